"""media.budget: which frames each check refuses, what the messages say, and the environment variables."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from media.budget import (FRAMES_VARIABLE, MIB, PIXELS_VARIABLE, SEGMENT_VARIABLE, FrameBudget,
                          FrameBudgetError)

sides = st.integers(1, 100_000)


def refusal(check: Callable[[], None]) -> str | None:
    """The message ``check`` refuses with, or None when it passes."""
    try:
        check()
    except FrameBudgetError as refused:
        return str(refused)
    return None


@given(width=sides, height=sides, limit=st.integers(1, 10**10))
def test_check_frame_refuses_exactly_the_frames_over_the_limit(width: int, height: int, limit: int) -> None:
    message = refusal(lambda: FrameBudget(frame_pixels=limit).check_frame(width, height, subject="input 'x'"))
    assert (message is not None) == (width * height > limit)
    if message is not None:
        assert message.startswith(f"input 'x': {width * height / 1e6:.1f} megapixels ({width}x{height}) is over")
        assert f"the limit of {limit / 1e6:g} megapixels per frame ({PIXELS_VARIABLE})" in message


@given(count=st.integers(1, 10_000), width=sides, height=sides, limit=st.integers(1, 2**40),
       segment=st.booleans())
def test_byte_checks_refuse_exactly_what_is_over_and_say_what_fits(count: int, width: int, height: int, limit: int,
                                                                   segment: bool) -> None:
    budget = FrameBudget(frames_bytes=limit, segment_bytes=limit)
    check = budget.check_segment if segment else budget.check_frames
    frame = width * height * 3
    message = refusal(lambda: check(count, width, height, subject="input 'n'"))
    assert (message is not None) == (count * frame > limit)
    if message is not None:
        assert message.startswith(f"input 'n': {count} frames of {width}x{height} are ")
        assert (SEGMENT_VARIABLE if segment else FRAMES_VARIABLE) in message
        found = re.search(r"at most (\d+) frames of that size fit", message)
        assert found is not None
        fits = int(found[1])
        assert fits * frame <= limit < (fits + 1) * frame


def test_the_other_byte_limit_does_not_apply() -> None:
    budget = FrameBudget(frames_bytes=MIB, segment_bytes=1024 * MIB)
    budget.check_segment(100, 1024, 1024)  # 300 MiB: within the segment limit
    with pytest.raises(FrameBudgetError, match=r"^100 frames of 1024x1024 are 300 MiB, over the limit of 1 MiB "
                                               r"of frames per value"):
        budget.check_frames(100, 1024, 1024)


def test_defaults() -> None:
    assert FrameBudget.from_environ({}) == FrameBudget(64_000_000, 2 * 2**30, 2**30)
    assert FrameBudget.from_environ({}) == FrameBudget()


def test_the_environment_overrides_each_limit() -> None:
    environ = {PIXELS_VARIABLE: "1000", FRAMES_VARIABLE: " 16 ", SEGMENT_VARIABLE: "8"}
    assert FrameBudget.from_environ(environ) == FrameBudget(1000, 16 * MIB, 8 * MIB)
    assert FrameBudget.from_environ({FRAMES_VARIABLE: ""}) == FrameBudget()


def test_the_process_environment_is_read_at_each_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SEGMENT_VARIABLE, "3")
    assert FrameBudget.from_environ().segment_bytes == 3 * MIB
    monkeypatch.delenv(SEGMENT_VARIABLE)
    assert FrameBudget.from_environ().segment_bytes == FrameBudget().segment_bytes


@pytest.mark.parametrize("value", ["2GiB", "-1", "0", "1.5", "lots"])
def test_a_bad_value_names_the_variable(value: str) -> None:
    with pytest.raises(ValueError, match=f"^{FRAMES_VARIABLE} = '{re.escape(value)}' must be a positive whole "
                                         f"number of MiB$"):
        FrameBudget.from_environ({FRAMES_VARIABLE: value})
