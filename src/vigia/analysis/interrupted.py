"""Interrupted time series: did the level or the trend of monthly counts change at a date?

Segmented count regression (Bernal, Cummins & Gasparrini 2017) on a window around the date:

    log E[y_t] = b0 + b1·t + b2·post_t + b3·t·post_t + month-of-year + log(population_t)

with t in months from the first post-event month, so exp(b2)−1 is the relative jump in level at the
event and exp(b3)−1 the change in the monthly growth rate. Negative binomial (NB2, dispersion by
Cameron–Trivedi moments) or Poisson GLM. By default each standard error is the larger of the
dispersion-scaled model error and a Newey–West (HAC) error, so both overdispersion and short-run
autocorrelation widen the interval; intervals use Student's t. A placebo test refits the model at
every eligible month of the pre-period. Method, simulation results and limits: docs/analysis.md.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from vigia.analysis._series import AnalysisError, month_start, monthly_series

FAMILIES = ("negbin", "poisson")
COV_TYPES = ("auto", "HAC", "HC0", "nonrobust")
MIN_PRE, MIN_POST = 12, 6
SHORT_PRE, SHORT_POST = 36, 24
PLACEBO_MARGIN = 12  # months of pre-period data required on each side of a placebo date
CONCURRENT_MONTHS = 3


def its(counts: pd.Series, event_date, *, population: pd.Series | None = None, pre_months: int = 48,
        post_months: int = 48, family: str = "negbin", placebo: bool = True,
        events: pd.DataFrame | None = None, geo: str | None = None, cov_type: str = "auto",
        alpha: float = 0.05) -> dict:
    """Segmented regression of monthly ``counts`` around ``event_date``.

    The month containing the event is left out as a transition month unless the event falls on the
    1st. ``population`` (monthly, or annual with a year or Timestamp index) enters as a log offset so
    the effects are on rates. ``events`` (default: the packaged timeline; an empty frame disables the
    look-up) and ``geo`` select the concurrent events reported in ``caveats``.

    Returns a dict: level_change, ci_low, ci_high (relative, 0.20 = +20%), slope_change,
    slope_ci_low, slope_ci_high (relative change per month), p_value, slope_p_value, pre_mean,
    post_mean (counts; pre_rate/post_rate per 100,000 when population is given), placebo_p,
    placebo_n, n_pre, n_post, family, cov_type, dispersion (Pearson χ²/df of a Poisson fit), nb_alpha,
    event_date, first_post_month, window_start, window_end, caveats (Spanish) and caveats_en.
    """
    if family not in FAMILIES:
        raise AnalysisError(f"its: unknown family '{family}'.", hint=f"Use one of {', '.join(FAMILIES)}.")
    if cov_type not in COV_TYPES:
        raise AnalysisError(f"its: unknown cov_type '{cov_type}'.",
                            hint=f"Use one of {', '.join(COV_TYPES)}.")
    s = monthly_series(counts, name="its", allow_missing=True)
    if (s.dropna() < 0).any():
        raise AnalysisError("its: counts must not be negative.", hint="Check the data-quality flags first.")
    when = pd.Timestamp(event_date)
    event_month = month_start(when)
    first_post = event_month if when.day == 1 else event_month + pd.offsets.MonthBegin(1)
    window_start = event_month - pd.offsets.MonthBegin(pre_months)
    window_end = first_post + pd.offsets.MonthBegin(post_months - 1)

    pre = s[(s.index >= window_start) & (s.index < event_month)].dropna()
    post = s[(s.index >= first_post) & (s.index <= window_end)].dropna()
    if len(pre) < MIN_PRE or len(post) < MIN_POST:
        raise AnalysisError(f"its: {len(pre)} months before and {len(post)} after {when.date()} in the data.",
                            hint=f"At least {MIN_PRE} pre-event and {MIN_POST} post-event months are needed.")
    y = pd.concat([pre, post])
    offset = _log_population(population, y.index)

    fit = _fit(y, first_post, offset, family, cov_type)
    crit = stats.t.ppf(1 - alpha / 2, fit["df_resid"])
    b, se = fit["params"]["post"], fit["bse"]["post"]
    bs, ses = fit["params"]["t_post"], fit["bse"]["t_post"]
    result = {
        "level_change": float(np.expm1(b)),
        "ci_low": float(np.expm1(b - crit * se)),
        "ci_high": float(np.expm1(b + crit * se)),
        "slope_change": float(np.expm1(bs)),
        "slope_ci_low": float(np.expm1(bs - crit * ses)),
        "slope_ci_high": float(np.expm1(bs + crit * ses)),
        "p_value": _p_value(b, se, fit["df_resid"]),
        "slope_p_value": _p_value(bs, ses, fit["df_resid"]),
        "pre_mean": float(pre.mean()),
        "post_mean": float(post.mean()),
        "placebo_p": np.nan,
        "placebo_n": 0,
        "n_pre": int(len(pre)),
        "n_post": int(len(post)),
        "family": family,
        "cov_type": cov_type,
        "dispersion": fit["dispersion"],
        "nb_alpha": fit["nb_alpha"],
        "event_date": when,
        "first_post_month": first_post,
        "window_start": y.index[0],
        "window_end": y.index[-1],
    }
    if offset is not None:
        rate = y / np.exp(offset) * 100_000
        result["pre_rate"] = float(rate.loc[pre.index].mean())
        result["post_rate"] = float(rate.loc[post.index].mean())
    if placebo:
        result["placebo_p"], result["placebo_n"] = _placebo(pre, offset, family, abs(b))

    notes = _caveats(result, y, pre_months, post_months, when, event_month, fit, events, geo, placebo)
    result["caveats"] = [es for es, _ in notes]
    result["caveats_en"] = [en for _, en in notes]
    return result


def _design(index: pd.DatetimeIndex, break_month: pd.Timestamp) -> pd.DataFrame:
    t = (index.to_period("M") - break_month.to_period("M")).map(lambda d: d.n).astype(float)
    post = (t >= 0).astype(float)
    X = pd.DataFrame({"const": 1.0, "t": t, "post": post, "t_post": t * post}, index=index)
    months = pd.get_dummies(index.month, prefix="m", dtype=float)
    months.index = index
    months = months.iloc[:, 1:]  # January is the reference month
    return pd.concat([X, months], axis=1)


def _fit(y: pd.Series, break_month: pd.Timestamp, offset: np.ndarray | None, family: str,
         cov_type: str) -> dict:
    """Fit the segmented GLM; standard errors per ``cov_type``.

    ``auto`` takes, coefficient by coefficient, the larger of (a) the model-based error scaled by the
    Pearson dispersion when above 1 (quasi-likelihood) and by the AR(1) factor (1+ρ)/(1−ρ) of the
    residuals, and (b) Newey–West HAC with a small-sample correction. HAC alone is too narrow in
    100-month windows (simulations in docs/analysis.md); (a) keeps coverage near nominal.
    """
    X = _design(y.index, break_month)
    endog = y.to_numpy(dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # perfect-fit and convergence chatter on tiny windows
        pois = sm.GLM(endog, X, family=sm.families.Poisson(), offset=offset).fit()
        mu = pois.fittedvalues
        dispersion = float(pois.pearson_chi2 / pois.df_resid) if pois.df_resid > 0 else np.nan
        nb_alpha = np.nan
        if family == "negbin":
            # Cameron & Trivedi (1990): regress ((y−μ)² − y)/μ on μ through the origin.
            nb_alpha = float(max(np.sum((endog - mu) ** 2 - endog) / np.sum(mu**2), 1e-8))
            model = sm.GLM(endog, X, family=sm.families.NegativeBinomial(alpha=nb_alpha), offset=offset)
        else:
            model = sm.GLM(endog, X, family=sm.families.Poisson(), offset=offset)
        res = model.fit()
        bse = res.bse
        if cov_type == "auto":
            phi = res.pearson_chi2 / res.df_resid if res.df_resid > 0 else 1.0
            rho = max(0.0, min(_lag1(np.asarray(res.resid_pearson)), 0.8))
            bse = bse * np.sqrt(max(1.0, phi) * (1 + rho) / (1 - rho))  # AR(1) inflation of a level shift
        if cov_type in ("auto", "HAC"):
            hac = model.fit(cov_type="HAC", cov_kwds={"maxlags": _hac_lags(len(y)), "use_correction": True})
            bse = np.maximum(bse, hac.bse) if cov_type == "auto" else hac.bse
        elif cov_type == "HC0":
            bse = model.fit(cov_type="HC0").bse
    return {"params": res.params, "bse": pd.Series(np.asarray(bse), index=res.params.index),
            "df_resid": float(max(res.df_resid, 1)), "dispersion": dispersion, "nb_alpha": nb_alpha,
            "resid": np.asarray(res.resid_pearson)}


def _lag1(r: np.ndarray) -> float:
    r = r - r.mean()
    denom = float(np.dot(r, r))
    return float(np.dot(r[1:], r[:-1]) / denom) if denom > 0 and len(r) > 3 else 0.0


def _p_value(b: float, se: float, df: float) -> float:
    return float(2 * stats.t.sf(abs(b / se), df)) if se > 0 else float("nan")


def _hac_lags(n: int) -> int:
    return max(1, int(np.floor(4 * (n / 100) ** (2 / 9))))  # Newey–West rule of thumb


def _log_population(population: pd.Series | None, index: pd.DatetimeIndex) -> np.ndarray | None:
    if population is None:
        return None
    if not isinstance(population, pd.Series):
        raise AnalysisError("its: population must be a pandas Series.")
    pop = population.copy()
    if isinstance(pop.index, pd.PeriodIndex):
        pop.index = pop.index.to_timestamp()
    if isinstance(pop.index, pd.DatetimeIndex):
        monthly = pop.groupby(pop.index.to_period("M").to_timestamp()).mean().reindex(index)
        by_year = pop.groupby(pop.index.year).mean()
    else:  # annual mid-year figures indexed by year
        monthly = pd.Series(np.nan, index=index)
        by_year = pd.Series(pop.to_numpy(dtype=float), index=pd.Index(pop.index).astype(int))
    values = monthly.fillna(pd.Series(index.year.map(by_year), index=index))
    if values.isna().any() or (values <= 0).any():
        missing = sorted(set(index[values.isna() | (values <= 0)].year))
        raise AnalysisError(f"its: no positive population for year(s) {missing}.",
                            hint="Give a population for every month or year of the window.")
    return np.log(values.to_numpy(dtype=float))


def _placebo(pre: pd.Series, offset: np.ndarray | None, family: str, observed: float) -> tuple[float, int]:
    """Share of pre-period placebo dates whose |level effect| ≥ the observed one, as (k+1)/(n+1)."""
    n = len(pre)
    if n < 2 * PLACEBO_MARGIN + 1:
        return np.nan, 0
    pre_offset = offset[:n] if offset is not None else None
    effects = []
    for k in range(PLACEBO_MARGIN, n - PLACEBO_MARGIN + 1):
        fit = _fit(pre, pre.index[k], pre_offset, family, "point")  # only the point estimate is used
        effects.append(abs(fit["params"]["post"]))
    effects = np.asarray(effects)
    return float((1 + np.sum(effects >= observed)) / (1 + len(effects))), int(len(effects))


def _caveats(result: dict, y: pd.Series, pre_months: int, post_months: int, when: pd.Timestamp,
             event_month: pd.Timestamp, fit: dict, events: pd.DataFrame | None, geo: str | None,
             placebo: bool) -> list[tuple[str, str]]:
    notes: list[tuple[str, str]] = []
    n_pre, n_post = result["n_pre"], result["n_post"]
    if n_pre < min(pre_months, SHORT_PRE) or n_post < min(post_months, SHORT_POST) \
            or n_pre < pre_months or n_post < post_months:
        notes.append((
            f"Ventana corta: {n_pre} meses antes y {n_post} después (se pidieron {pre_months} y "
            f"{post_months}); la estimación es menos precisa y la tendencia previa puede estar mal medida.",
            f"Short window: {n_pre} months before and {n_post} after ({pre_months} and {post_months} "
            "requested); the estimate is less precise and the pre-trend may be poorly measured."))
    if when.day != 1:
        ym = event_month.strftime("%Y-%m")
        notes.append((f"El mes del evento ({ym}) se excluyó del ajuste por ser un mes de transición.",
                      f"The event month ({ym}) was left out of the fit as a transition month."))
    table = _events(events, geo)
    if table is not None and len(table):
        span = pd.DateOffset(months=CONCURRENT_MONTHS)
        lo, hi = when - span, when + span
        near = table[(table["date"] >= lo) & (table["date"] <= hi) & (table["date"] != when.normalize())
                     & (table["kind"] != "data_change")]
        if len(near):
            es, en = _titles(near)
            notes.append((f"Otros hechos a ±{CONCURRENT_MONTHS} meses de la fecha: {es}. "
                          "El efecto estimado puede mezclar sus efectos.",
                          f"Other events within ±{CONCURRENT_MONTHS} months: {en}. "
                          "The estimate may mix their effects."))
        changes = table[(table["kind"] == "data_change") & (table["date"] >= y.index[0])
                        & (table["date"] <= y.index[-1] + pd.offsets.MonthEnd(0))]
        if len(changes):
            es, en = _titles(changes)
            notes.append((f"Cambio de metodología o de registro dentro de la ventana: {es}. "
                          "Parte del cambio puede ser estadístico y no real.",
                          f"Methodology or reporting change inside the window: {en}. "
                          "Part of the change may be an artefact of the data."))
    zeros = y[(y == 0)]
    if len(zeros) and y.mean() >= 10:
        months = ", ".join(zeros.index.strftime("%Y-%m")[:6])
        notes.append((f"{len(zeros)} mes(es) con 0 registros en la ventana ({months}); pueden ser meses sin "
                      "reporte y no ausencia de delitos.",
                      f"{len(zeros)} month(s) with 0 records in the window ({months}); they may be "
                      "unreported months rather than an absence of crime."))
    phi = result["dispersion"]
    if np.isfinite(phi) and phi > 1.5:
        how = ("se usa un modelo binomial negativo" if result["family"] == "negbin"
               else "con familia Poisson sólo el ajuste de los errores estándar lo corrige")
        how_en = ("a negative binomial model is used" if result["family"] == "negbin"
                  else "with the Poisson family only the adjusted standard errors correct for it")
        if result["cov_type"] == "nonrobust":
            how += "; los errores no robustos pueden subestimar la incertidumbre"
            how_en += "; non-robust errors may understate the uncertainty"
        notes.append((f"Sobredispersión: la variación es {phi:.1f} veces la que supone Poisson; {how}.",
                      f"Overdispersion: variation is {phi:.1f} times what Poisson assumes; {how_en}."))
    r = fit["resid"]
    rho = float(np.corrcoef(r[1:], r[:-1])[0, 1]) if len(r) > 3 and np.std(r) > 0 else 0.0
    if rho > 0.3:
        notes.append((f"Residuos autocorrelacionados (ρ₁ = {rho:.2f}); los errores estándar lo corrigen "
                      "sólo en parte y el intervalo puede ser demasiado estrecho.",
                      f"Autocorrelated residuals (lag-1 ρ = {rho:.2f}); the standard errors only partly "
                      "correct for it and the interval may be too narrow."))
    if placebo and result["placebo_n"] == 0:
        notes.append((f"Sin prueba placebo: hacen falta al menos {2 * PLACEBO_MARGIN + 1} meses previos.",
                      f"No placebo test: at least {2 * PLACEBO_MARGIN + 1} pre-event months are needed."))
    elif placebo and result["p_value"] < 0.05 and result["placebo_p"] > 0.10:
        notes.append((f"El efecto no destaca frente a fechas placebo del periodo previo (p placebo = "
                      f"{result['placebo_p']:.2f}): la serie ya tenía saltos de ese tamaño sin el evento.",
                      f"The effect does not stand out against placebo dates in the pre-period (placebo p = "
                      f"{result['placebo_p']:.2f}): the series had jumps that large without the event."))
    return notes


def _titles(events: pd.DataFrame) -> tuple[str, str]:
    """'Title (date); …' of some events, in Spanish and in English."""
    rows = list(events.itertuples())
    return ("; ".join(f"{r.title_es} ({r.date.date()})" for r in rows),
            "; ".join(f"{r.title_en} ({r.date.date()})" for r in rows))


def _events(events: pd.DataFrame | None, geo: str | None) -> pd.DataFrame | None:
    from vigia.events import filter_geo, load_events

    table = load_events() if events is None else events
    if table is None or len(table) == 0:
        return None
    return filter_geo(table, geo) if geo is not None else table
