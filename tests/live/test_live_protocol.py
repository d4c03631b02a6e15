"""The live socket's messages: every client message is either taken or refused with a ProtocolError that says
why (never another exception); frame messages round-trip."""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from PIL import Image

from live import End, Event, LiveInput, ProtocolError, pack_audio, pack_frame, parse_message, unpack, unpack_frame
from media.image import encode_jpeg

json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                           max_leaves=12)
fields = st.fixed_dictionaries({}, optional={
    "type": st.sampled_from(["input", "event", "end", "other"]) | json_values, "seq": json_values,
    "move": json_values | st.lists(st.floats(-2, 2), min_size=3, max_size=3),
    "look": json_values | st.lists(st.floats(-60, 60), min_size=2, max_size=2),
    "jump": json_values, "keep": json_values,
    "event": json_values | st.fixed_dictionaries(
        {"type": st.sampled_from(["PlotEvent", "ChangeShot", "InsertCharacter"])},
        optional={"kind": json_values, "value": json_values, "archetype": json_values, "frame": json_values})})


@given(fields)
def test_any_message_is_taken_or_refused_with_a_reason(message: dict) -> None:
    try:
        parsed = parse_message(json.dumps(message))
    except ProtocolError as refused:
        assert str(refused)
        return
    assert isinstance(parsed, LiveInput | Event | End)
    if isinstance(parsed, LiveInput):
        assert all(-1 <= v <= 1 for v in parsed.move) and all(-45 <= v <= 45 for v in parsed.look)


@given(st.binary(max_size=200) | st.text(max_size=200))
def test_any_bytes_are_taken_or_refused_with_a_reason(text: bytes | str) -> None:
    with contextlib.suppress(ProtocolError):
        parse_message(text)


@pytest.mark.parametrize(("text", "problem"), [
    ('{"type": "input", "move": [2, 0, 0]}', "'move[0]' = 2 must be within [-1, 1]"),
    ('{"type": "input", "look": [NaN, 0]}', "NaN is not JSON"),
    ('{"type": "input", "seq": -1}', "'seq' must be a whole number >= 0"),
    ('{"type": "event", "event": {"type": "PlotEvent", "kind": "weather", "colour": 1}}', "has no field 'colour'"),
    ('{"type": "event", "event": {"type": "Explode"}}', "'type' is one of InsertCharacter, ChangeShot, PlotEvent"),
    ('{"type": "jump"}', 'unknown message type "jump"'),
    ('[1, 2]', "a message is a JSON object"),
])
def test_refusals_name_the_field(text: str, problem: str) -> None:
    with pytest.raises(ProtocolError) as refused:
        parse_message(text)
    assert problem in str(refused.value)


def test_a_frame_message_carries_its_header_and_a_decodable_jpeg() -> None:
    frame = np.zeros((90, 160, 3), np.uint8)
    frame[:, 80:] = (200, 120, 40)
    header = {"frame": 3, "time": 0.1, "pose": [1.0, 2.0, 3.0, 90.0, 0.0], "input_seq": 7}
    message = pack_frame(header, encode_jpeg(frame))
    got, jpeg = unpack_frame(message)
    assert got == header and jpeg[:2] == b"\xff\xd8"
    decoded = np.asarray(Image.open(io.BytesIO(jpeg)))
    assert decoded.shape == frame.shape and np.abs(decoded.astype(int) - frame.astype(int)).mean() < 3


def test_event_fields_take_the_types_their_edit_declares() -> None:
    event = parse_message('{"type": "event", "event": {"type": "InsertCharacter", "archetype": "deer", "a": 9, '
                          '"seed": 2.0}}')
    assert isinstance(event, Event)
    edit = event.at(4)
    assert isinstance(edit.a, float) and edit.a == 9.0 and isinstance(edit.seed, int) and edit.seed == 2
    for bad, why in (('"seed": 1.5', "'seed' must be a whole number"), ('"name": 3', "'name' must be text"),
                     ('"a": "near"', "'a' must be a number")):
        with pytest.raises(ProtocolError, match=why):
            parse_message('{"type": "event", "event": {"type": "InsertCharacter", "archetype": "deer", ' + bad + '}}')


def test_a_sound_message_is_told_from_a_frame_by_its_type() -> None:
    """Same framing; sound headers say "type": "audio", frame headers have no type (as before sound)."""
    pcm = np.array([[0, -1], [32767, -32768], [5, 6]], "<i2").tobytes()
    header = {"type": "audio", "frame": 12, "time": 0.4, "rate": 16000, "channels": 2, "samples": 3}
    message = pack_audio(header, pcm)
    assert message[:4] == len(message[4:-len(pcm)]).to_bytes(4, "big")
    got, payload = unpack(message)
    assert got == header and payload == pcm
    assert np.array_equal(np.frombuffer(payload, "<i2"), [0, -1, 32767, -32768, 5, 6])
    frame_header, _ = unpack(pack_frame({"frame": 12, "time": 0.4, "pose": [0, 0, 0, 0, 0], "input_seq": 0},
                                        b"\xff\xd8"))
    assert "type" not in frame_header and unpack_frame is unpack


def test_a_sound_message_must_hold_what_its_header_says() -> None:
    header = {"type": "audio", "frame": 0, "time": 0.0, "rate": 16000, "channels": 2, "samples": 4}
    with pytest.raises(ValueError, match="12 bytes of PCM are not 4 samples of 2 int16 channels"):
        pack_audio(header, bytes(12))
    with pytest.raises(ValueError, match='"type": "audio"'):
        pack_audio({**header, "type": "frame"}, bytes(16))
