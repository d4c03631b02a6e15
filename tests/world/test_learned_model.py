"""world/learned/model.py and attention.py: shapes, causal time, the key/value cache, determinism."""

from __future__ import annotations

import pytest
import torch

from world.learned import attention
from world.learned.model import ACTION_DIM, LatentConfig, WorldModel

SMALL = LatentConfig(image_size=32, widths=(8, 16, 16), latent_channels=4, d_model=32, n_layers=2, n_heads=2,
                     window=3)


def model(seed: int = 0) -> WorldModel:
    torch.manual_seed(seed)
    built = WorldModel(SMALL).eval()
    for parameter in built.dynamics.parameters():  # the zero-initialised head would hide everything
        torch.nn.init.normal_(parameter, std=0.1)
    return built


def test_shapes() -> None:
    net = model()
    frames = torch.randint(0, 256, (5, 32, 32, 3), dtype=torch.uint8)
    latents = net.encode(frames)
    assert latents.shape == (5, 4, 8, 8) and SMALL.latent_size == 8 and SMALL.tokens_per_frame == 16
    decoded = net.decode(latents)
    assert decoded.shape == (5, 32, 32, 3) and decoded.dtype == torch.uint8
    following = net.dynamics(latents[None], torch.zeros(1, 5, ACTION_DIM))
    assert following.shape == (1, 5, 4, 8, 8)


def test_the_same_seed_gives_the_same_model_and_outputs() -> None:
    latents, actions = torch.randn(2, 4, 4, 8, 8), torch.randn(2, 4, ACTION_DIM)
    with torch.no_grad():
        assert torch.equal(model(3).dynamics(latents, actions), model(3).dynamics(latents, actions))
        assert not torch.equal(model(3).dynamics(latents, actions), model(4).dynamics(latents, actions))


def test_time_is_causal_and_windowed() -> None:
    net = model()
    latents, actions = torch.randn(1, 6, 4, 8, 8), torch.randn(1, 6, ACTION_DIM)
    with torch.no_grad():
        base = net.dynamics(latents, actions)
        changed = latents.clone()
        changed[:, 4] += 1.0
        after = net.dynamics(changed, actions)
    assert torch.equal(base[:, :4], after[:, :4])       # the future never reaches the past
    assert not torch.allclose(base[:, 4:], after[:, 4:])


def test_actions_steer_the_prediction() -> None:
    net = model()
    latents = torch.randn(1, 2, 4, 8, 8)
    with torch.no_grad():
        still = net.dynamics(latents, torch.zeros(1, 2, ACTION_DIM))
        turning = net.dynamics(latents, torch.tensor([[0.0, 0, 0, 0.8, 0, 0, 0, 0]] * 2)[None])
    assert not torch.allclose(still, turning)


def test_rolling_out_with_the_cache_equals_one_teacher_forced_pass() -> None:
    net = model()
    latents, actions = torch.randn(2, 7, 4, 8, 8), torch.randn(2, 7, ACTION_DIM)
    with torch.no_grad():
        whole = net.dynamics(latents, actions)
        cache = net.dynamics.cache()
        parts = [net.dynamics(latents[:, :2], actions[:, :2], cache)]
        parts += [net.dynamics(latents[:, t:t + 1], actions[:, t:t + 1], cache) for t in range(2, 7)]
    assert cache.frames == 7 and cache.cached == SMALL.window - 1
    torch.testing.assert_close(torch.cat(parts, dim=1), whole, atol=1e-5, rtol=1e-4)


def test_attention_uses_torch_on_the_cpu() -> None:
    q, k, v = torch.randn(1, 2, 3, 4), torch.randn(1, 2, 5, 4), torch.randn(1, 2, 5, 4)
    mask = torch.ones(3, 5, dtype=torch.bool)
    mask[0, 3:] = False
    out = attention.attend(q, k, v, mask)
    expected = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    torch.testing.assert_close(out, expected)
    assert attention.device().type in ("cpu", "cuda")


@pytest.mark.parametrize("bad", [{"colour": 1}, {"widths": [8], "nope": 2}])
def test_unknown_config_fields_are_refused(bad: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="unknown model config field"):
        LatentConfig.from_dict(bad)
    assert LatentConfig.from_dict(SMALL.to_dict()) == SMALL
