"""Shortcuts of the engine that must give what the plain expression gives, to the
bit: the named random streams (their words given to numpy at once), the
forecast's stretch of dates (taken only where it acts, in numpy or in compiled
code), the returns' time order and the census's compiled tally; and a whole
replication, compiled loops on and off."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pytest

from capaciteit.sim import census, jit, people, reentry, seeding
from capaciteit.sim.people import People, Warp
from capaciteit.sim.rng import Streams, name_key, replication_seed


def _plain(seq: np.random.SeedSequence, *names: str) -> np.random.Generator:
    key = tuple(name_key(n) for n in names)
    child = np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, *key))
    return np.random.Generator(np.random.PCG64(child))


@pytest.mark.parametrize(
    "seq",
    [
        np.random.SeedSequence(0),
        np.random.SeedSequence(1),
        np.random.SeedSequence(2**32 + 5),
        np.random.SeedSequence(2**70 + 3, spawn_key=(2**33,)),
        replication_seed(20210701, 999),
        np.random.SeedSequence(),  # 128 bits of the machine's entropy
        np.random.SeedSequence([1, 2, 3]),  # a list: numpy's own path
    ],
)
@pytest.mark.parametrize("names", [(), ("",), ("inflow", "pre_trial", "arrivals"), ("é",)])
def test_a_named_stream_draws_what_numpy_would(seq, names):
    mine, plain = Streams(seq)(*names), _plain(seq, *names)
    assert mine.bit_generator.state == plain.bit_generator.state
    assert (mine.random(4) == plain.random(4)).all()
    assert (mine.spawn(2)[1].random(3) == plain.spawn(2)[1].random(3)).all()


@pytest.mark.skipif(seeding.pool_state() is None, reason="numba is not installed")
def test_the_compiled_seeding_is_numpys_for_many_seeds_and_names():
    """The compiled SeedSequence arithmetic (sim/seeding) gives numpy's states for
    seeds of one to five 32-bit words, spawn keys of none to three ints (of up to
    two words) and one to six names: the generator draws what numpy's would."""
    rng = np.random.default_rng(9)
    alphabet = list("abcz/_0189é")
    for _ in range(400):
        entropy = int.from_bytes(rng.bytes(int(rng.integers(1, 21))), "little")
        spawn = tuple(int(x) for x in rng.integers(0, 2**40, int(rng.integers(0, 4))))
        seq = np.random.SeedSequence(entropy, spawn_key=spawn)
        names = tuple(
            "".join(rng.choice(alphabet, int(rng.integers(0, 12))))
            for _ in range(int(rng.integers(1, 7)))
        )
        mine, plain = Streams(seq)(*names), _plain(seq, *names)
        assert isinstance(mine.bit_generator.seed_seq, seeding.Seeded)  # the compiled path
        assert mine.bit_generator.state == plain.bit_generator.state
        assert (mine.standard_exponential(3) == plain.standard_exponential(3)).all()
    # what is not the PCG64 state comes from numpy's own seed sequence of the words
    mine = Streams(replication_seed(7, 2))("inflow", "x").bit_generator.seed_seq
    plain = _plain(replication_seed(7, 2), "inflow", "x").bit_generator.seed_seq
    assert (mine.pool == plain.pool).all()
    for n, dtype in ((5, np.uint32), (4, np.uint32), (2, np.uint64), (4, np.uint64)):
        assert (mine.generate_state(n, dtype) == plain.generate_state(n, dtype)).all()


@pytest.mark.skipif(seeding.pool_state() is None, reason="numba is not installed")
def test_a_compiled_stream_survives_pickling_and_copying():
    """A generator on a ``Seeded`` seed sequence travels to a worker (pickle) and
    is copied (deepcopy) with its state and its way to spawn."""
    import copy
    import pickle

    names = ("reentry", "return2/pre_trial", "gap")
    gen = Streams(replication_seed(3, 1))(*names)
    gen.random(7)
    for other in (pickle.loads(pickle.dumps(gen)), copy.deepcopy(gen)):
        plain = _plain(replication_seed(3, 1), *names)
        plain.random(7)
        assert other.bit_generator.state == plain.bit_generator.state
        assert (other.spawn(1)[0].random(3) == plain.spawn(1)[0].random(3)).all()


def test_the_stretch_of_dates_taken_where_it_acts_is_the_plain_one():
    rng = np.random.default_rng(5)
    for _ in range(400):
        k = int(rng.integers(0, 6))
        starts = np.sort(rng.choice(np.arange(0.0, 4000.0, 365.0), k, replace=False))
        if k > 1 and rng.random() < 0.2:
            starts[1] = starts[0]  # two equal starts, still ascending
        ratios = rng.choice([1.0, 0.9, 1.07, 1.3, 0.5], k)
        warp = Warp(starts, ratios)
        n = 50
        t_event = rng.uniform(-500, 4000, n)
        t_event[:5] = starts[0] if k else 0.0  # arrivals on a year start
        t = t_event + rng.exponential(900, n)
        t[5:8] = starts[-1] if k else 1.0  # dates on a year start
        t[8] = np.inf
        t[9] = np.nan
        first = np.searchsorted(starts, t_event, side="left")
        got = warp.moved(first, t)
        want = warp(t_event, t)
        got = t if got is None else got
        assert np.array_equal(got, want, equal_nan=True)
        assert np.array_equal(got.view(np.int64), want.view(np.int64))  # to the bit
        loop = people.stretch_loop()
        if loop is not None:  # the compiled loop, in place
            inplace = t.copy()
            loop(np.asarray(starts, float), np.asarray(ratios, float), first, inplace)
            assert np.array_equal(inplace.view(np.int64), want.view(np.int64))


def _group(rng: np.random.Generator, n: int) -> People:
    """People with every kind of date the stretch moves: admissions after a
    wait, trials, releases, end phases and early-release moves."""
    t_event = np.sort(rng.uniform(-900, 1500, n))
    t_adm = t_event + rng.exponential(20, n) * (rng.random(n) < 0.5)
    t_trial = t_adm + rng.exponential(60, n)
    t_end = t_trial + rng.lognormal(5, 1.2, n)
    who = np.flatnonzero(rng.random(n) < 0.3)
    phases = [(None, who, t_end[who] - rng.uniform(0, 90, who.size), t_end[who].copy())]
    moved = np.flatnonzero(rng.random(n) < 0.1)
    moves = [people.Move(300.0, moved, t_end[moved] + 10, np.zeros(moved.size, bool))]
    zeros = np.zeros(n, np.int64)
    return People(t_event, t_adm, t_trial, t_end, zeros, zeros > 0, True, phases, moves)


def _copy(g: People) -> People:
    return People(
        *(x.copy() for x in (g.t_event, g.t_adm, g.t_trial, g.t_end, g.sentence, g.senb)),
        g.fixed_end,
        [(pl, w.copy(), a.copy(), b.copy()) for pl, w, a, b in g.phases],
        [people.Move(m.day, m.who.copy(), m.before.copy(), m.cut.copy()) for m in g.moves],
    )


def _dates(g: People) -> list[np.ndarray]:
    phase_dates = [x for _pl, _w, a, b in g.phases for x in (a, b)]
    return [g.t_event, g.t_adm, g.t_trial, g.t_end, *phase_dates, *(m.before for m in g.moves)]


@pytest.mark.skipif(people.stretch_loop() is None, reason="numba is not installed")
def test_a_group_stretched_in_compiled_code_is_stretched_to_the_bit(calls_stretch):
    """People.stretch with the compiled loop (each array in place) and with
    numpy (all dates at once): every date the same, to the bit, phases and
    moves included."""
    rng = np.random.default_rng(11)
    warp = Warp(np.array([92.0, 457.0, 822.0, 1187.0]), np.array([1.06, 1.0, 0.93, 1.2]))
    for _ in range(30):
        fast = _group(rng, 2000)
        plain, before = _copy(fast), _copy(fast)
        fast.stretch(warp)
        calls = len(calls_stretch)
        with jit.disabled():
            plain.stretch(warp)
        assert len(calls_stretch) == calls  # the numpy path, not the loop again
        for x, y in zip(_dates(fast), _dates(plain), strict=True):
            assert np.array_equal(x.view(np.int64), y.view(np.int64))
        assert not np.array_equal(plain.t_end, before.t_end)  # the stretch moved dates
    assert calls_stretch  # the compiled loop did the work


@pytest.mark.skipif(people.stretch_loop() is None, reason="numba is not installed")
def test_dates_that_share_memory_are_stretched_once(calls_stretch):
    """A phase whose end is a view of the release days (or one array held twice)
    goes the numpy way, which reads every date before it writes: stretched in
    place one array after the other, those dates would move twice."""
    rng = np.random.default_rng(2)
    warp = Warp(np.array([92.0, 457.0]), np.array([1.2, 0.9]))
    g = _group(rng, 500)
    who = np.arange(10)
    g.phases = [(None, who, g.t_end[:10] - 30.0, g.t_end[:10])]  # a view of t_end
    want = _copy(g)
    want.phases = [(None, who, want.t_end[:10] - 30.0, want.t_end[:10].copy())]
    with jit.disabled():
        want.stretch(warp)
    g.stretch(warp)
    assert not calls_stretch  # not in place
    assert np.array_equal(g.t_end, want.t_end) and np.array_equal(g.phases[0][3], want.t_end[:10])


@pytest.fixture
def calls_stretch(monkeypatch):
    loop, seen = people.stretch_loop(), []

    def counted(*args):
        seen.append(1)
        return loop(*args)

    # a door as jit.door makes it: closed while jit.disabled()
    monkeypatch.setattr(people, "stretch_loop", lambda: counted if jit._ON[0] else None)
    return seen


@pytest.mark.skipif(people.stretch_loop() is None, reason="numba is not installed")
def test_the_compiled_stretch_has_no_fused_multiply_add():
    """``b + (t - b) * r`` rounded twice, as numpy does: a fused multiply-add
    would round once and give other bits on some dates."""
    numba = pytest.importorskip("numba")
    # with jit.compiled's own options: the cached code it loads shows no assembly
    loop = numba.njit(**jit.OPTIONS)(people._stretch)
    loop(np.array([1.0]), np.array([1.1]), np.zeros(1, np.int64), np.array([5.0]))
    asm = "".join(loop.inspect_asm().values()).lower()
    assert "mulsd" in asm  # the multiply is there ...
    assert not any(f in asm for f in ("fmadd", "fmsub", "fnmadd", "fnmsub"))  # ... not fused


def test_every_compiled_loop_is_warmed_and_switched_off_together():
    """The runner warms every loop before it forks its workers (``jit.warm``), and
    the benchmark's without-numba runs switch every loop off (``jit.disabled``):
    both reach each loop through its door."""
    import capaciteit.run.runner  # noqa: F401  (what a run imports)
    from capaciteit.sim import wingloop

    doors = (
        people.stretch_loop,
        wingloop.wait_loop,
        seeding.pool_state,
        reentry._order_loop,
        census._tally_loop,
    )
    assert {m.__module__ for m in jit._MAKERS} == {
        "capaciteit.sim.people",
        "capaciteit.sim.wingloop",
        "capaciteit.sim.seeding",
        "capaciteit.sim.reentry",
        "capaciteit.sim.census",
    }
    with jit.disabled():
        assert all(door() is None for door in doors)
    jit._made.cache_clear()
    jit.warm()  # every loop made, before any door is asked
    assert jit._made.cache_info().currsize == len(jit._MAKERS)
    on = [door() is not None for door in doors]
    assert all(on) or not any(on)  # all compiled, or none (no numba)


def test_the_runner_warms_the_loops_before_it_forks(tmp_path, monkeypatch):
    import capaciteit as cap
    from capaciteit.run import runner
    from capaciteit.sim.compile import compile_model

    path = tmp_path / "tiny.toml"
    path.write_text(
        '[scenario]\nname = "tiny"\nstart = 2030-01-01\nend = 2030-03-31\nwarmup_days = 30\n'
        '[[unit]]\nname = "main"\ncapacity = 100\n[[stream]]\nname = "s"\nunit = "main"\n'
        'rate_per_year = 365\nstay = { distribution = "exponential", mean_days = 10 }\n'
    )
    model = compile_model(cap.load_scenario(path))
    warmed = []
    monkeypatch.setattr(jit, "warm", lambda: warmed.append(1))
    done = list(runner.run_batches(model, 1, [range(0, 1), range(1, 2)], workers=2))
    assert len(done) == 2 and warmed == [1]


def _orders(rng: np.random.Generator) -> list[np.ndarray]:
    """Times as the returns have them, and the cases a bucket sort can get wrong:
    ties (kept in input order), both zeros, a crowded bucket (sorted by merge
    sort), a span too small or too large to divide by, negatives, one or two."""
    spread = rng.uniform(0, 4000, 3000)
    ties = np.round(rng.uniform(0, 50, 2000))
    crowd = np.concatenate([rng.uniform(0, 4000, 500), 7 + rng.random(300) * 1e-6])
    # a crowded bucket (merge sort) of ties and distinct times, in shuffled order
    tied_crowd = rng.permutation(
        np.concatenate([rng.uniform(0, 4000, 300), 7 + np.round(rng.random(400) * 20) * 1e-9])
    )
    return [
        tied_crowd,
        spread,
        ties,
        crowd,
        rng.permutation(np.concatenate([ties, spread])),
        np.array([0.0, -0.0, 0.0, -0.0, 1.0, -1.0, 0.0]),
        np.array([1.0, 1.0 + 2**-52, 1.0, 1.0 + 2**-52]),
        np.array([0.0, 5e-324, 0.0, 1e-323, 5e-324]),
        np.array([-1e308, 1e308, 0.0, 1e308, -1e308]),
        rng.standard_normal(1000) * 1e3,
        rng.lognormal(5, 3, 5000),
        np.full(100, 3.0),
        np.array([2.0, 1.0]),
        np.array([4.0]),
        np.sort(spread),
        np.sort(spread)[::-1].copy(),
    ]


@pytest.mark.skipif(reentry._order_loop() is None, reason="numba is not installed")
def test_the_returns_time_order_is_numpys_stable_sort(monkeypatch):
    """The returns' order sets whose draws are whose: the compiled bucket sort
    must give numpy's stable permutation, ties in input order included."""
    loop, seen = reentry._order_loop(), []

    def counted(t):
        seen.append(1)
        return loop(t)

    # a door as jit.door makes it: closed while jit.disabled()
    monkeypatch.setattr(reentry, "_order_loop", lambda: counted if jit._ON[0] else None)
    cases = _orders(np.random.default_rng(4))
    for t in cases:
        want = np.argsort(t, kind="stable")
        assert np.array_equal(reentry.time_order(t), want), t[:6]
        assert np.array_equal(loop(t), want) or t.size < 2
    sorted_here = sum(t.size > 1 for t in cases)  # a single time needs no sort
    assert len(seen) == sorted_here  # the compiled sort did the work
    with jit.disabled():
        reentry.time_order(cases[0])
    assert len(seen) == sorted_here  # switched off: numpy's sort
    for bad in (np.array([3.0, np.nan, 1.0]), np.array([np.inf, 1.0, 0.0])):
        assert np.array_equal(reentry.time_order(bad), np.argsort(bad, kind="stable"))
    assert len(seen) == sorted_here  # NaN or infinity: numpy's sort


class _Days:
    n_days, warmup = 60, 30


def _numpy_tally(c: census.Census, t_in, t_out, t_mid=None, routed=None) -> list[np.ndarray]:
    b_in, b_out = c.bins(t_in), c.bins(t_out)
    last = c.width - 1
    if routed is not None:
        b_in[routed] = b_out[routed] = last
    out = [c.count(b_in), c.count(b_out)]
    if t_mid is not None:
        b_mid = c.bins(t_mid)
        if routed is not None:
            b_mid[routed] = last
        out.append(c.count(np.minimum(np.maximum(b_mid, b_in), b_out)))
    return out


@pytest.mark.filterwarnings("ignore:invalid value encountered in cast:RuntimeWarning")
@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "numpy"])
def test_the_tally_counts_what_bins_and_bincount_count(compiled, monkeypatch):
    """Both ways of the tally (one compiled pass; numpy's bins and bincounts):
    bins before the first day, after the last, on day boundaries, at infinity;
    those routed in the last bin; a trial kept within the stay."""
    loop, calls = census._tally_loop(), []
    if compiled and loop is None:
        pytest.skip("numba is not installed")

    def counted_loop(*args):
        calls.append(1)
        return loop(*args)

    monkeypatch.setattr(census, "_tally_loop", lambda: counted_loop if jit._ON[0] else None)
    rng = np.random.default_rng(9)
    c = census.Census(3, _Days())
    n = 4000
    t_in = rng.uniform(-20, 120, n)
    t_in[:40] = np.arange(40) - 5.0  # on the days' boundaries
    t_in[40:45] = [-np.inf, np.inf, -0.0, 29.0, 28.999999999999996]
    t_out = t_in + rng.exponential(15, n)
    t_out[45:50] = [np.inf, 90.0, 91.0, 89.99999999999999, 1e300]
    t_mid = t_in + rng.uniform(-5, 30, n)  # some before admission, some after release
    routed = rng.random(n) < 0.2
    cases = [
        (t_in, t_out),
        (t_in, t_out, None, routed),
        (t_in, t_out, t_mid, routed),
        (t_in, t_out, t_in, routed),  # on path "sentence" the trial is the admission array
    ]
    with contextlib.nullcontext() if compiled else jit.disabled():
        for args in cases:
            got, want = c.tally(*args), _numpy_tally(c, *args)
            assert len(got) == len(want)
            for x, y in zip(got, want, strict=True):
                assert np.array_equal(x, y)
        with_nan = t_out.copy()
        with_nan[7] = np.nan
        with pytest.raises(ValueError):  # numpy's bincount refuses the NaN's bin
            c.tally(t_in, with_nan)
        with pytest.raises(ValueError, match="one length"):  # compiled code checks no bounds
            c.tally(t_in, t_out, None, routed[:-1])
        counted = census.Census(3, _Days())
        counted.add(1, t_in, t_out)
    assert len(calls) == (6 if compiled else 0)  # the four cases, the NaN, the add
    plain = _numpy_tally(c, t_in, t_out)
    assert np.array_equal(counted.enter[1], plain[0]) and np.array_equal(counted.leave[1], plain[1])
    assert counted.enter[1].sum() == n and not counted.enter[[0, 2]].any()


SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.toml"))


@pytest.mark.skipif(census._tally_loop() is None, reason="numba is not installed")
@pytest.mark.filterwarnings("ignore::capaciteit.errors.ScenarioWarning")
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_a_replication_is_the_same_with_and_without_the_compiled_loops(path):
    """Every output of a replication of each shipped scenario, to the bit, with
    each compiled loop and with the numpy paths: re-entry (the returns' order),
    end phases and wings, responses to a shortage, the census."""
    import capaciteit as cap
    from capaciteit.run.runner import prepare
    from capaciteit.sim.engine import run_replication

    model = prepare(cap.load_scenario(path), fit=False)[0]
    seed = replication_seed(7, 1)
    fast = run_replication(model, seed)
    with jit.disabled():
        plain = run_replication(model, seed)
    assert fast.keys() == plain.keys()
    for k in fast:
        assert fast[k].dtype == plain[k].dtype and np.array_equal(fast[k], plain[k]), k
