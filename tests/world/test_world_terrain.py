"""Terrain and static objects: determinism, the wrapping 4 km tile, placement rules, the tile index."""

from __future__ import annotations

import numpy as np
import pytest
from worldkit import world_of

from world import objects as objects_module
from world import terrain as terrain_module
from world.objects import INDEX_TILE_M, KIND_NAMES, Objects, wrap_delta
from world.physics import DEEP_WATER
from world.presets import PRESETS
from world.spec import WorldSpec
from world.store import DictStore
from world.terrain import CELL_M, GRID, TILE_M, Terrain
from world.world import World, load_world

SMALL_GRID = 256  # a coarse terrain: same code paths, a fraction of the time


def _objects_equal(a: Objects, b: Objects) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a.to_arrays().values(), b.to_arrays().values(), strict=True))


# ---- determinism -------------------------------------------------------------------------------
@pytest.mark.parametrize("spec", [WorldSpec(seed=5, biome="desert", relief=0.8),
                                  WorldSpec(seed=6, biome="ruins", structures=0.6, water=0.1)])
def test_same_spec_same_terrain_and_objects(spec: WorldSpec) -> None:
    a = terrain_module.generate(spec, grid=SMALL_GRID)
    b = terrain_module.generate(spec, grid=SMALL_GRID)
    assert a.height.dtype == np.float32 and a.colors[0].dtype == np.uint8
    assert np.array_equal(a.height, b.height) and np.array_equal(a.colors[0], b.colors[0])
    assert a.water_level == b.water_level
    objects_a, objects_b = objects_module.generate(spec, a), objects_module.generate(spec, b)
    assert len(objects_a) > 100
    assert _objects_equal(objects_a, objects_b)


def test_different_seed_different_world() -> None:
    spec = WorldSpec(seed=1, vegetation=0.3)
    a = terrain_module.generate(spec, grid=SMALL_GRID)
    b = terrain_module.generate(spec.replace(seed=2), grid=SMALL_GRID)
    assert not np.array_equal(a.height, b.height)
    assert np.abs(a.height - b.height).mean() > 1.0
    objects_a, objects_b = objects_module.generate(spec, a), objects_module.generate(spec.replace(seed=2), b)
    assert len(objects_a) != len(objects_b) or not np.array_equal(objects_a.x, objects_b.x)


def test_light_and_weather_do_not_change_the_ground() -> None:
    spec = WorldSpec(seed=3)
    a = terrain_module.generate(spec, grid=SMALL_GRID)
    b = terrain_module.generate(spec.replace(time_of_day=21.0, weather="rain", fog=0.8), grid=SMALL_GRID)
    assert np.array_equal(a.height, b.height) and np.array_equal(a.colors[0], b.colors[0])


def test_full_world_is_deterministic_and_cached(meadow: World) -> None:
    store = DictStore()
    rebuilt = load_world(meadow.spec, store)
    assert rebuilt is not meadow
    assert np.array_equal(rebuilt.terrain.height, meadow.terrain.height)
    assert np.array_equal(rebuilt.terrain.colors[0], meadow.terrain.colors[0])
    assert _objects_equal(rebuilt.objects, meadow.objects)
    # the built world is reused from the store, and the arrays rebuild the same world without generating
    assert load_world(meadow.spec.replace(time_of_day=3.0), store).terrain is rebuilt.terrain
    arrays_only = DictStore()
    for key in store._values:
        if key.endswith("/arrays"):
            arrays_only.put(key, store.get(key))
    restored = load_world(meadow.spec, arrays_only)
    assert np.array_equal(restored.terrain.height, meadow.terrain.height)
    assert all(np.array_equal(a, b) for a, b in zip(restored.terrain.gradients, meadow.terrain.gradients,
                                                    strict=True))
    assert _objects_equal(restored.objects, meadow.objects)


def test_terrain_round_trips_through_arrays(meadow: World) -> None:
    restored = Terrain.from_arrays(meadow.terrain.to_arrays())
    assert restored.water_level == pytest.approx(meadow.terrain.water_level)
    for a, b in zip(restored.heights, meadow.terrain.heights, strict=True):
        assert np.array_equal(a, b)


# ---- the tile ----------------------------------------------------------------------------------
def test_world_tile_is_4096_m_and_at_least_4_km2(meadow: World) -> None:
    assert TILE_M == 4096.0 and GRID * CELL_M == TILE_M
    assert meadow.terrain.height.shape == (GRID, GRID)
    assert (TILE_M / 1000.0) ** 2 >= 4.0
    assert len(meadow.terrain.heights) == terrain_module.MIP_LEVELS
    assert [h.shape[0] for h in meadow.terrain.heights] == [GRID >> level for level in range(5)]
    # objects are spread over the whole tile
    assert meadow.objects.x.min() < 100 and meadow.objects.x.max() > TILE_M - 100
    assert meadow.objects.y.min() < 100 and meadow.objects.y.max() > TILE_M - 100


@pytest.mark.parametrize("x, y", [(0.0, 0.0), (1234.5, 777.25), (4095.5, 10.0), (2048.0, 4095.75), (3.125, 3000.5)])
def test_the_tile_wraps(meadow: World, x: float, y: float) -> None:
    t = meadow.terrain
    here = t.height_at(x, y)
    assert here == t.height_at(x + TILE_M, y) == t.height_at(x, y + TILE_M) == t.height_at(x - TILE_M, y - TILE_M)
    assert t.gradient_at(x, y) == t.gradient_at(x + TILE_M, y + TILE_M)


def test_the_tile_wraps_everywhere(meadow: World) -> None:
    rng = np.random.default_rng(0)
    t = meadow.terrain
    for x, y in rng.random((50, 2)) * TILE_M:
        assert t.height_at(x, y) == pytest.approx(t.height_at(x + TILE_M, y), abs=1e-3)
        assert t.height_at(x, y) == pytest.approx(t.height_at(x, y - 2 * TILE_M), abs=1e-3)
    # seamless: crossing the edge is as smooth as anywhere else
    edge = abs(t.height_at(TILE_M - 0.5, 100.0) - t.height_at(TILE_M + 0.5, 100.0))
    assert edge < 5.0


def test_height_at_interpolates_the_grid(meadow: World) -> None:
    h = meadow.terrain.height
    assert meadow.terrain.height_at(10 * CELL_M, 20 * CELL_M) == pytest.approx(float(h[20, 10]))
    between = meadow.terrain.height_at(10.5 * CELL_M, 20 * CELL_M)
    assert between == pytest.approx((float(h[20, 10]) + float(h[20, 11])) / 2, abs=1e-4)


# ---- objects -----------------------------------------------------------------------------------
def _wet_objects(world: World) -> list[tuple[str, float]]:
    o = world.objects
    return [(KIND_NAMES[int(o.kind[i])], world.ground(float(o.x[i]), float(o.y[i])) - world.terrain.water_level)
            for i in range(len(o)) if world.is_water(float(o.x[i]), float(o.y[i]), DEEP_WATER)]


@pytest.mark.parametrize("name", ["alpine_meadow", "pine_forest", "coast"])
def test_scattered_objects_are_never_in_deep_water(name: str) -> None:
    world = world_of(name)
    assert world.terrain.water_level > float(world.terrain.height.min())  # there is water
    assert _wet_objects(world) == []


@pytest.mark.slow
@pytest.mark.parametrize("spec", [PRESETS["ancient_ruins"], PRESETS["coast"].replace(structures=0.8)],
                         ids=["ancient_ruins", "coast_with_columns"])
def test_ruins_are_never_in_deep_water(spec: WorldSpec) -> None:
    assert _wet_objects(world_of(spec)) == []


def test_objects_have_sane_sizes_and_sit_on_the_ground(ruins: World) -> None:
    o = ruins.objects
    assert set(np.unique(o.kind)) >= {objects_module.COLUMN, objects_module.WALL, objects_module.ROCK}
    assert (o.height > 0).all() and (o.width > 0).all() and (o.radius >= 0).all()
    assert (o.radius[o.kind == objects_module.BUSH] == 0).all()  # bushes are passable
    assert (o.radius[o.kind != objects_module.BUSH] > 0).all()
    assert ((o.x >= 0) & (o.x < TILE_M) & (o.y >= 0) & (o.y < TILE_M)).all()
    sample = np.random.default_rng(1).choice(len(o), 300, replace=False)
    ground = np.asarray([ruins.ground(float(o.x[i]), float(o.y[i])) for i in sample])
    assert np.abs(o.z[sample] - ground).max() < 3.0


def test_tile_index_is_consistent(meadow: World) -> None:
    o = meadow.objects
    n = objects_module.INDEX_TILES
    assert o.tile_start.shape == (n * n + 1,) and o.tile_start[0] == 0 and o.tile_start[-1] == len(o)
    assert (np.diff(o.tile_start) >= 0).all()
    tiles = (np.floor(o.y / INDEX_TILE_M).astype(int) % n) * n + np.floor(o.x / INDEX_TILE_M).astype(int) % n
    assert (np.diff(tiles) >= 0).all()  # sorted by tile


@pytest.mark.parametrize("x, y, reach", [(1000.0, 1000.0, 10.0), (5.0, 4090.0, 40.0), (2048.0, 16.0, 70.0),
                                         (4095.9, 0.1, 3.0), (-20.0, 5000.0, 25.0)])
def test_near_finds_everything_within_reach(meadow: World, x: float, y: float, reach: float) -> None:
    o = meadow.objects
    found = meadow.objects.near(x, y, reach)
    assert len(set(found.tolist())) == len(found)  # no duplicates
    distance = np.hypot(wrap_delta(o.x - x), wrap_delta(o.y - y))
    within = set(np.nonzero(distance <= reach)[0].tolist())
    assert within <= set(found.tolist())
    # and nothing much farther than the reach plus a tile's diagonal
    tile_diagonal = INDEX_TILE_M * np.sqrt(2)
    assert (distance[found] <= reach + 2 * tile_diagonal).all()


def test_wrap_delta_is_the_short_way_round() -> None:
    assert wrap_delta(4000.0) == pytest.approx(-96.0)
    assert wrap_delta(-4000.0) == pytest.approx(96.0)
    assert wrap_delta(10.0) == 10.0
    assert np.allclose(wrap_delta(np.asarray([2047.0, -2047.0])), [2047.0, -2047.0])


def test_blocking_and_spawn_point(ruins: World) -> None:
    o = ruins.objects
    column = int(np.nonzero(o.kind == objects_module.COLUMN)[0][0])
    x, y = float(o.x[column]), float(o.y[column])
    assert ruins.blocking(x, y, 0.3) >= 0
    assert ruins.blocking(x, y, 0.3, ignore=frozenset({column})) != column
    sx, sy = ruins.spawn_point()
    assert ruins.blocking(sx, sy, 1.5) == -1 and not ruins.is_water(sx, sy)
    assert np.hypot(*ruins.terrain.gradient_at(sx, sy)) < 0.25
    # the default spawn point is near the ruins
    columns = np.nonzero(o.kind == objects_module.COLUMN)[0]
    assert np.hypot(wrap_delta(o.x[columns] - sx), wrap_delta(o.y[columns] - sy)).min() < 80.0
