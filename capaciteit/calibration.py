"""Calibration on real history: rates, stays and the inflow forecast at an origin.

``calibrate(scenario)`` uses only what was published by the scenario's
``forecast.origin``:

1. **inflow** at the origin: the reconstructed yearly total
   (:mod:`reconstruct`) split over the published categories (voorlopig
   gehechten, zelfmelders, veroordeelde arrestanten) by their latest published
   composition; each stream with an ``inflow_category`` gets its
   ``category_share`` of its category;
2. **stays**: four parameters (pre-trial length, share convicted, length of
   the sentences of the pre-trial stream, length of the short sentences of
   self-reporters and arrested convicts) fitted with scipy.optimize to all
   moments at once: the stock, its shares by legal status and by sentence
   length, and "half released within a month", each the latest published by the
   origin. The stay-path streams are set directly: substitute detention from its
   published stock, ISD and other titles from their shares;
3. **forecast**: the inflow dynamics chosen by rolling-origin score
   (:mod:`forecast`); each replication draws its own future of yearly inflow and
   mean stay from the fitted model (:meth:`Reconstruction.simulate`).

The result is data (JSON, with the data files' hashes and the fit statistics),
applied to a scenario as an overlay of stream settings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import optimize

from . import __version__, history
from . import distributions as dist
from .errors import ScenarioError
from .forecast import choose
from .policies import known_at
from .reconstruct import Reconstruction, reconstruct
from .rng import Streams
from .scenario import Scenario, parse_scenario
from .sentencing import draw, timeline

CATEGORIES = ("voorlopig_gehechten", "zelfmelders", "veroordeelde_arrestanten")
SAMPLE = 20000  # people per stream in the fit's Monte Carlo moments (common random numbers)


@dataclass
class Calibration:
    """What ``capaciteit calibrate`` finds, as plain data."""

    scenario: str
    origin: str
    structure_hash: str
    data_sha256: dict[str, str]
    inflow: dict
    reconstruction: dict
    forecast: dict
    stays: dict
    overlay: dict
    version: str = __version__
    fitted: Reconstruction | None = field(default=None, repr=False, compare=False)

    state: dict | None = None
    """The fitted reconstruction, every number as fitted (JSON keeps a float's
    exact value): a run reads it instead of fitting again, so its forecast draws
    never depend on the machine's linear algebra."""

    def to_json(self) -> str:
        data = {k: v for k, v in self.__dict__.items() if k != "fitted"}
        return json.dumps(data, indent=1, default=_plain) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Calibration:
        cal = cls(**json.loads(text))
        if cal.state is not None:
            cal.fitted = Reconstruction.from_dict(cal.state)
        return cal


def _plain(x):
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, dt.date):
        return x.isoformat()
    raise TypeError(type(x))


def structure_hash(sc: Scenario) -> str:
    """What a calibration depends on in a scenario: the streams, the release
    rules, the end phases, and which units are cells. Not the capacities, costs,
    dates of the run or names: changing those keeps the calibration. Only what
    stood at the forecast origin counts (:func:`~capaciteit.policies.known_at`):
    a scenario that changes rates or adds policies after it shares the calibration
    of its base, and so its replications until the change."""
    if sc.forecast.origin is not None:
        sc = known_at(sc, sc.forecast.origin)
    data = sc.to_dict()
    used = {
        "stream": data["stream"],
        "release": data["release"],
        "placement": data.get("placement", []),
        "unit": [
            {"name": u["name"], "occupies_cell": u.get("occupies_cell", True)} for u in data["unit"]
        ],
    }
    return hashlib.sha256(json.dumps(used, sort_keys=True).encode()).hexdigest()[:16]


# --------------------------------------------------------------------- inflow


def composition(origin: dt.date) -> tuple[dict[str, float], int]:
    """Shares of the published categories in total inflow, from the latest year
    by ``origin`` in which all of them are known (arrestanten as the rest of the
    total where only the other two were published), and that year."""
    rows = history.load("inflow.csv")
    by_year: dict[int, dict[str, float]] = {}
    for o in rows:
        if o.date <= origin:
            by_year.setdefault(o.date.year, {})[o.category] = o.value
    for year in sorted(by_year, reverse=True):
        got = by_year[year]
        total = got.get("total_instroom_GW")
        if total and "voorlopig_gehechten" in got and "zelfmelders" in got:
            arr = got.get(
                "veroordeelde_arrestanten", total - got["voorlopig_gehechten"] - got["zelfmelders"]
            )
            shares = {
                "voorlopig_gehechten": got["voorlopig_gehechten"] / total,
                "zelfmelders": got["zelfmelders"] / total,
                "veroordeelde_arrestanten": arr / total,
            }
            return shares, year
    raise ValueError(f"no published inflow composition by {origin}")


# ---------------------------------------------------------------------- stays


def _latest(category: str, origin: dt.date, unit: str) -> history.Observation | None:
    obs = history.series("stock_components.csv", category, until=origin, unit=unit)
    return obs[-1] if obs else None


def targets(origin: dt.date, stock: float) -> list[dict]:
    """The moments the stays are fitted to: the latest of each published by the
    origin (shares of the stock by status and by sentence length; the half
    released within a month), with their sources."""
    out = [
        {
            "name": "stock",
            "target": stock,
            "weight": 1.0,
            "scale": 0.005 * stock,
            "source": "CBS 84425NED",
        }
    ]
    pre = _latest("pre_trial", origin, "share")
    pre_p = _latest("pre_trial", origin, "persons")
    if pre_p and (not pre or pre_p.date > pre.date):  # persons: as a share of that year's stock
        tot = {o.date: o.value for o in history.load_stock()}[pre_p.date]
        pre = history.Observation(
            pre_p.date, "pre_trial", pre_p.value / tot, "share", pre_p.source, pre_p.source_url
        )
    if pre:
        out.append(
            {
                "name": "share_pre_trial",
                "target": pre.value,
                "weight": 1.0,
                "scale": 0.01,
                "source": f"{pre.source} ({pre.date})",
            }
        )
    sent = _latest("sentenced", origin, "share")
    both = _latest("sentenced_and_substitute", origin, "share")
    if both and (not sent or both.date > sent.date):
        out.append(
            {
                "name": "share_sentenced_and_substitute",
                "target": both.value,
                "weight": 1.0,
                "scale": 0.02,
                "source": f"{both.source} ({both.date})",
            }
        )
    elif sent:
        out.append(
            {
                "name": "share_sentenced",
                "target": sent.value,
                "weight": 1.0,
                "scale": 0.01,
                "source": f"{sent.source} ({sent.date})",
            }
        )
    for cat, name in (
        ("sentenced_share_1y_plus", "sentenced_1y_plus"),
        ("sentenced_share_3y_plus", "sentenced_3y_plus"),
    ):
        o = _latest(cat, origin, "share")
        if o:
            out.append(
                {
                    "name": name,
                    "target": o.value,
                    "weight": 1.0,
                    "scale": 0.03,
                    "source": f"{o.source} ({o.date})",
                }
            )
    half = history.series("stays.csv", "share_released_within_1_month", until=origin)
    if half:
        out.append(
            {
                "name": "released_within_30_days",
                "target": half[-1].value,
                "weight": 0.5,
                "scale": 0.05,
                "source": half[-1].source,
            }
        )
    return out


@dataclass
class _StreamSample:
    stream: object
    rate: float  # per year
    draws: object
    t0: float


def _moments(sc: Scenario, model, samples: list[_StreamSample], x: np.ndarray) -> dict:
    """Steady-state stock by status and sentence length, and the share released
    within 30 days, for parameters ``x`` (Monte Carlo with fixed draws)."""
    pre_scale, conv, vh_scale, short_scale = (
        math.exp(x[0]),
        1 / (1 + math.exp(-x[1])),
        math.exp(x[2]),
        math.exp(x[3]),
    )
    stock = {"pre_trial": 0.0, "sentenced": 0.0, "other": 0.0}
    by_len = {"lt1": 0.0, "1to3": 0.0, "ge3": 0.0}
    released, short = 0.0, 0.0
    for smp in samples:
        s, d = smp.stream, smp.draws
        pl = [p for p in sc.placement if p.streams is None or s.name in p.streams]
        if s.path == "pre_trial":
            d2 = _scaled(d, pre=pre_scale, sentence=vh_scale)
            s = s.model_copy(update={"convicted_share": conv})
        elif s.path == "sentence":
            d2 = _scaled(d, sentence=short_scale)
        else:
            d2 = d
        p = timeline(
            s,
            np.full(len(d.vi_u) if d.vi_u is not None else len(d.stay), smp.t0),
            d2,
            sc.release,
            model.senb_start,
            pl,
            model.day_of,
        )
        end = p.t_end.copy()
        for plc, who, a, _b in p.phases:
            if not model.cell[model.unit_names.index(plc.unit)]:
                end[who] = np.fmin(end[who], a)
        in_cell = np.maximum(end - p.t_adm, 0.0)
        k = smp.rate / 365.25
        if s.path == "stay":
            stock["other"] += k * in_cell.mean()
        else:
            pre = np.minimum(p.t_trial - p.t_adm, in_cell)
            sentenced = in_cell - pre
            stock["pre_trial"] += k * pre.mean()
            stock["sentenced"] += k * sentenced.mean()
            sen = p.sentence
            by_len["lt1"] += k * (sentenced * ((sen > 0) & (sen < 365))).mean()
            by_len["1to3"] += k * (sentenced * ((sen >= 365) & (sen < 1095))).mean()
            by_len["ge3"] += k * (sentenced * (sen >= 1095)).mean()
        released += smp.rate
        short += smp.rate * (in_cell <= 30).mean()
    return {"stock": stock, "by_len": by_len, "within_30": short / released}


def _scaled(d, pre: float = 1.0, sentence: float = 1.0):
    out = d.take(np.arange(len(d.sentence)))
    if pre != 1.0 and out.pre_trial is not None:
        out.pre_trial = out.pre_trial * pre
    if sentence != 1.0:
        out.sentence = out.sentence * sentence
    return out


def _fitted_values(m: dict, substitute: float, isd: float, other: float) -> dict[str, float]:
    st = m["stock"]
    total = st["pre_trial"] + st["sentenced"] + st["other"]
    sentenced = st["sentenced"]
    return {
        "stock": total,
        "share_pre_trial": st["pre_trial"] / total,
        "share_sentenced": sentenced / total,
        "share_sentenced_and_substitute": (sentenced + substitute) / total,
        "sentenced_1y_plus": (m["by_len"]["1to3"] + m["by_len"]["ge3"]) / max(sentenced, 1e-9),
        "sentenced_3y_plus": m["by_len"]["ge3"] / max(sentenced, 1e-9),
        "released_within_30_days": m["within_30"],
    }


def fit_stays(sc: Scenario, origin: dt.date, inflow: dict[str, float], stock: float):
    """Fit the four stay parameters; return the overlay and the fit report."""
    from .engine import compile_model

    model = compile_model(sc, 0, warn=False)  # a fit, not a run: no cautions
    t0 = model.day_of(origin) - 365.0  # people arriving a year before the origin
    streams = Streams(np.random.SeedSequence(2021))
    overlay: list[dict] = []
    fixed: dict[str, float] = {}
    samples = []
    by_status = _stay_streams(sc, origin, stock, inflow)
    for s in sc.stream:
        rate = inflow.get(s.name, s.rate_per_year.value_at(origin))
        if s.name in by_status:
            rate, mean_stay, entry = by_status[s.name]
            overlay.append(entry)
            fixed[s.status] = fixed.get(s.status, 0.0) + rate * mean_stay / 365.25
            continue
        pl = [p for p in sc.placement if p.streams is None or s.name in p.streams]
        samples.append(_StreamSample(s, rate, draw(s, SAMPLE, streams, "fit", sc.release, pl), t0))
        if s.name in inflow:
            overlay.append({"name": s.name, "rate_per_year": _scale_rates(s, origin, rate)})
    tg = targets(origin, stock)
    substitute = fixed.get("substitute_detention", 0.0)

    def loss(x: np.ndarray) -> float:
        m = _moments(sc, model, samples, x)
        m["stock"]["other"] += sum(fixed.values())
        fv = _fitted_values(m, substitute, 0, 0)
        return sum(t["weight"] * ((fv[t["name"]] - t["target"]) / t["scale"]) ** 2 for t in tg)

    pre = next((s for s in sc.stream if s.path == "pre_trial" and s.name in inflow), None)
    x0 = np.array(
        [0.0, math.log(pre.convicted_share / (1 - pre.convicted_share)) if pre else 0.0, 0.0, 0.0]
    )
    simplex = np.vstack([x0, x0 + np.diag(np.full(4, 0.4))])
    res = optimize.minimize(
        loss,
        x0,
        method="Nelder-Mead",
        options={"initial_simplex": simplex, "xatol": 2e-3, "fatol": 2e-2, "maxiter": 500},
    )
    m = _moments(sc, model, samples, res.x)
    m["stock"]["other"] += sum(fixed.values())
    fv = _fitted_values(m, substitute, 0, 0)
    pre_scale, vh_scale, short_scale = (math.exp(v) for v in (res.x[0], res.x[2], res.x[3]))
    conv = 1 / (1 + math.exp(-res.x[1]))
    for s in sc.stream:
        if s.path == "pre_trial" and s.name in inflow:
            _merge_into(
                overlay,
                s.name,
                {
                    "pre_trial_days": _scale_spec(s.pre_trial_days, pre_scale),
                    "convicted_share": round(conv, 4),
                    "sentence": _scale_spec(s.sentence, vh_scale),
                },
            )
        elif s.path == "sentence" and s.name in inflow:
            _merge_into(overlay, s.name, {"sentence": _scale_spec(s.sentence, short_scale)})
    report = {
        "parameters": {
            "pre_trial_scale": pre_scale,
            "convicted_share": conv,
            "pre_trial_sentence_scale": vh_scale,
            "short_sentence_scale": short_scale,
        },
        "targets": [{**t, "fitted": fv[t["name"]]} for t in tg],
        "loss": float(res.fun),
        "converged": bool(res.success),
    }
    return overlay, report


def _stay_streams(sc: Scenario, origin: dt.date, stock: float, inflow: dict[str, float]):
    """Rate, mean stay and overlay entry of the stay-path streams set from the
    data: substitute detention keeps its rate and gets the stay that gives its
    published stock; the streams of status ISD, and of status other, keep their
    stays and are scaled together to their published share of the stock."""
    out = {}
    for status in ("substitute_detention", "isd", "other"):
        group = [s for s in sc.stream if s.path == "stay" and (s.status or "other") == status]
        if not group:
            continue
        rates = {s.name: inflow.get(s.name, s.rate_per_year.value_at(origin)) for s in group}
        means = {s.name: dist.mean(s.stay) for s in group}
        now = sum(rates[n] * means[n] for n in rates) / 365.25
        if status == "substitute_detention":
            o = _latest("substitute_detention", origin, "persons")
            k = o.value / now if o else 1.0
            for s in group:
                out[s.name] = (
                    rates[s.name],
                    means[s.name] * k,
                    {"name": s.name, "stay": _scale_spec(s.stay, k)},
                )
        else:
            o = _latest(status, origin, "share")
            k = o.value * stock / now if o else 1.0
            for s in group:
                out[s.name] = (
                    rates[s.name] * k,
                    means[s.name],
                    {"name": s.name, "rate_per_year": _scale_rates(s, origin, rates[s.name] * k)},
                )
    return out


def _scale_rates(s, origin: dt.date, rate: float):
    """The stream's rate table scaled so that it reads ``rate`` at the origin: the
    calibration sets the level, the scenario's own changes after the origin stay."""
    table = s.rate_per_year
    k = rate / table.value_at(origin) if table.value_at(origin) > 0 else 0.0
    data = table.to_data()
    if isinstance(data, dict):
        return {key: round(v * k, 4) for key, v in data.items()}
    return round(rate, 4)


def _merge_into(overlay: list[dict], name: str, values: dict) -> None:
    for entry in overlay:
        if entry["name"] == name:
            entry.update(values)
            return
    overlay.append({"name": name, **values})


def _scale_spec(spec, k: float) -> dict:
    """A distribution stretched by ``k`` (all its lengths times k)."""
    d = spec.model_dump()
    for key in ("mean_days", "sd_days"):
        if key in d:
            d[key] = round(d[key] * k, 4)
    if d["distribution"] == "fixed":
        d["days"] = round(d["days"] * k, 4)
    if d["distribution"] == "empirical":
        d["days"] = [round(x * k, 4) for x in d["days"]]
    return d


# ------------------------------------------------------------------ together


_MEMO: dict[tuple, Calibration] = {}


def calibrate(sc: Scenario) -> Calibration:
    """Calibrate a scenario on what was published by its forecast origin (once per
    process for the same scenario structure, origin and data)."""
    key = (structure_hash(sc), sc.forecast.origin, tuple(sorted(history.data_files().items())))
    if key not in _MEMO:
        _MEMO[key] = _calibrate(sc)
    return _MEMO[key]


def _calibrate(sc: Scenario) -> Calibration:
    origin = sc.forecast.origin
    if origin is None:
        raise ScenarioError(
            [
                (
                    sc.source_file or "",
                    "forecast.origin",
                    "required to calibrate (the model uses no observation after it)",
                )
            ]
        )
    try:  # the fit's target: a published stock at the origin
        stock = history.observed_stock_near(origin, origin=origin).value
    except ValueError as e:
        raise ScenarioError([(sc.source_file or "", "forecast.origin", str(e))]) from None
    sc = known_at(sc, origin)  # nothing after the origin reaches the fit
    name, scores = choose(origin)
    rec = reconstruct(origin, name)
    total, _stay = rec.at(origin.year)
    shares, comp_year = composition(origin)
    inflow = {}
    for s in sc.stream:
        if s.inflow_category:
            inflow[s.name] = total * shares[s.inflow_category] * s.category_share
    overlay, report = fit_stays(sc, origin, inflow, stock)
    return Calibration(
        scenario=sc.name,
        origin=origin.isoformat(),
        structure_hash=structure_hash(sc),
        data_sha256=history.data_files(),
        inflow={
            "total": total,
            "year": origin.year,
            "composition": shares,
            "composition_year": comp_year,
            "streams": inflow,
        },
        reconstruction=_rec_dict(rec),
        forecast={"model": name, "scores": scores, "params": rec.params},
        stays=report,
        overlay={"stream": overlay},
        fitted=rec,
        state=rec.to_dict(),
    )


def _rec_dict(rec: Reconstruction) -> dict:
    return {
        "dynamics": rec.dynamics,
        "years": rec.years,
        "inflow": rec.inflow,
        "log_inflow_sd": rec.log_inflow_sd,
        "stay_days": rec.stay_days,
        "log_stay_sd": rec.log_stay_sd,
        "params": rec.params,
        "loglike": rec.loglike,
    }


def apply(sc: Scenario, cal: Calibration) -> Scenario:
    """The scenario with the calibration's stream settings laid over it."""
    from .scenario import _merge

    # the fit saw each rate as it stood at the origin (one number): the scenario's
    # own table, with its later changes, is scaled to that level
    streams = {s.name: s for s in sc.stream}
    origin = dt.date.fromisoformat(cal.origin)
    overlay = {"stream": [dict(e) for e in cal.overlay.get("stream", [])]}
    for entry in overlay["stream"]:
        if "rate_per_year" in entry and entry["name"] in streams:
            level = float(entry["rate_per_year"])
            entry["rate_per_year"] = _scale_rates(streams[entry["name"]], origin, level)
    data = _merge(sc.to_data(), overlay)
    out = parse_scenario(data, sc.source_file or "<calibrated>")
    return out.model_copy(update={"content_hash": sc.content_hash})


def load_or_calibrate(sc: Scenario, path: Path | None) -> tuple[Calibration, bool]:
    """The calibration in ``path`` when it fits this scenario and the shipped data;
    otherwise a fresh one. Returns (calibration, whether it was fitted now)."""
    if path is not None and path.is_file():
        try:
            cal = Calibration.from_json(path.read_text())
        except (ValueError, TypeError) as e:
            raise ScenarioError([(str(path), "", f"not a calibration file: {e}")]) from None
        if (
            cal.structure_hash == structure_hash(sc)
            and cal.data_sha256 == history.data_files()
            and cal.origin == sc.forecast.origin.isoformat()
        ) and cal.fitted is not None:
            return cal, False
    return calibrate(sc), True
