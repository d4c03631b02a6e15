"""Flow control and inspection: a lazy switch, and a preview of any value."""

from __future__ import annotations

from typing import Any

from graph import ANY, BOOLEAN, Input, Node, NodeResult, NodeSchema, Output, Socket


class Switch(Node):
    """Evaluates only the branch it takes: the other branch's nodes never run."""

    schema = NodeSchema(
        name="Switch", display_name="Switch", category="logic",
        description="Passes on_true or on_false on; only the chosen branch is computed.",
        inputs=(
            Input("condition", BOOLEAN, True),
            Socket("on_true", ANY, lazy=True),
            Socket("on_false", ANY, lazy=True),
        ),
        outputs=(Output("value", ANY),),
    )

    def needed_lazy(self, condition: bool, on_true: Any, on_false: Any) -> list[str]:
        return ["on_true" if condition else "on_false"]

    def run(self, condition: bool, on_true: Any, on_false: Any) -> tuple[Any]:
        return (on_true if condition else on_false,)


class PreviewValue(Node):
    schema = NodeSchema(
        name="PreviewValue", display_name="Preview value", category="logic",
        description="Shows any value as text in the editor and the run's results.",
        inputs=(Socket("value", ANY),), output_node=True,
    )

    def run(self, value: Any) -> NodeResult:
        text = repr(value)
        shape = getattr(value, "shape", None)
        if shape is not None:
            text = f"{type(value).__name__} shape={list(shape)} dtype={getattr(value, 'dtype', '?')}"
        return NodeResult((), {"text": [text if len(text) <= 2000 else text[:1997] + "..."]})


NODES = (Switch, PreviewValue)
