"""Where jobs run and prompts are checked: in this process, or in supervised worker processes.

``JobSite`` is the one abstraction the server's queue uses (``InProcessSite``, ``ProcessSite``; a cluster
site takes the same role); ``Validator`` checks prompts in a process of its own.
"""

from .job import JobOutcome, JobRequest, Stopped, run_job
from .process import CAN_FORK, describe_exit
from .site import InProcessSite, JobSite
from .supervised import ProcessSite
from .watch import WorkerLimits
from .validator import CheckedPrompt, InlineValidator, PromptChecker, PromptRefused, Validator, check_prompt

__all__ = ["CAN_FORK", "CheckedPrompt", "InProcessSite", "InlineValidator", "JobOutcome", "JobRequest", "JobSite",
           "ProcessSite", "PromptChecker", "PromptRefused", "Stopped", "Validator", "WorkerLimits", "check_prompt",
           "describe_exit", "run_job"]
