"""One-line explanations of verdicts, in Spanish and English (the text's language)."""

from __future__ import annotations

import math

MESSAGES: dict[str, tuple[str, str]] = {
    # matches
    "match_latest": ("coincide con {what} en la publicación más reciente ({vintage})",
                     "matches {what} in the latest release ({vintage})"),
    "match_older": ("coincide con {what} tal como se publicó en la edición {vintage} ({file}); revisado a {latest} "
                    "desde entonces ({latest_vintage})",
                    "matches {what} as published in the {vintage} release ({file}); revised to {latest} since "
                    "({latest_vintage})"),
    "match_only": ("coincide con {what} ({vintage}, {file})", "matches {what} ({vintage}, {file})"),
    "close": ("cerca de {what}: {value} ({vintage}); el texto difiere {error}",
              "close to {what}: {value} ({vintage}); the text is off by {error}"),
    "close_older": ("cerca de {what} tal como se publicó en {vintage}: {value}; hoy {latest} ({latest_vintage}); el "
                    "texto difiere {error}",
                    "close to {what} as published in {vintage}: {value}; now {latest} ({latest_vintage}); the text "
                    "is off by {error}"),
    "bound": ("se cumple la cota: {what} = {value} ({vintage})", "the bound holds: {what} = {value} ({vintage})"),
    "other_measure": ("coincide con {other}, no con {named}: {named_what} = {named_value} ({named_vintage})",
                      "matches {other}, not {named}: {named_what} = {named_value} ({named_vintage})"),
    "other_measure_missing": ("coincide con {other}, no con {named} ({named} no publicadas para {period})",
                              "matches {other}, not {named} ({named} not published for {period})"),
    "unnamed_measure": ("el texto no dice si son carpetas o víctimas", "the text does not say carpetas or victims"),
    "contradicted": ("no coincide: {what} = {value} ({vintage}); el texto difiere {error}",
                     "does not match: {what} = {value} ({vintage}); the text is off by {error}"),
    "partial_year": ("solo {months}", "{months} only"),
    "inegi_headline": ("el total que difunde el INEGI suma además las defunciones de lugar no especificado o en el "
                       "extranjero, que esta serie por estados excluye: puede ser esa cifra",
                       "INEGI's headline total also counts deaths of unknown place or abroad, which this series by "
                       "state leaves out: the text may quote that figure"),
    "wrong_direction": ("el cambio fue en sentido contrario", "the change went the other way"),
    # changes
    "change_is": ("{what}: {true} ({v0} → {v1}, {vintage})", "{what}: {true} ({v0} → {v1}, {vintage})"),
    "mixed_releases": ("las dos cifras vienen de publicaciones distintas ({vintages}); dentro de la edición {vintage} "
                       "el cambio es {true} ({v0} → {v1})",
                       "the two figures come from different releases ({vintages}); within the {vintage} release "
                       "the change is {true} ({v0} → {v1})"),
    # ranks
    "rank_match": ("coincide con la edición {edition}: lugar {rank} de {total}",
                   "matches the {edition} edition: {rank} of {total}"),
    "rank_none": ("no existe esa posición en esa edición: la edición {edition} ubica a México en el lugar {rank} de "
                  "{total}{elsewhere}",
                  "no such ranking in that edition: the {edition} edition ranks Mexico {rank} of {total}{elsewhere}"),
    "rank_elsewhere": ("; {claimed} corresponde a la edición {other}", "; {claimed} is the {other} edition"),
    "rank_countries": ("; {total} países se evaluaron en la edición {other}",
                       "; {total} countries were ranked in the {other} edition"),
    # unverifiable
    "no_topic": ("no se reconoce el indicador de la cifra", "no indicator recognised near the figure"),
    "municipal": ("cifra municipal: el almacén guarda series estatales y nacionales",
                  "a municipal figure: the store holds state and national series"),
    "no_year": ("el texto no dice de qué año es la cifra", "the text does not say which year the figure is for"),
    "no_data": ("no hay datos guardados de {what}", "no stored data for {what}"),
    "not_stored": ("{indicator}: {why}", "{indicator}: {why}"),
    "kind_unsupported": ("no se verifican {kind} de {topic}", "{kind} of {topic} are not checked"),
    "state_rank": ("no se verifican posiciones entre estados", "rankings of states are not checked"),
    "state_rank_top": ("{state}: lugar {place} de {states} estados en {what} · {year} ({vintage}); primero: {leader} "
                       "({leader_value}); {state}: {value}",
                       "{state}: {place} of {states} states for {what} · {year} ({vintage}); first: {leader} "
                       "({leader_value}); {state}: {value}"),
    "state_rank_bottom": ("{state}: lugar {place} de {states} estados contando desde el menor, en {what} · {year} "
                          "({vintage}); el menor: {leader} ({leader_value}); {state}: {value}",
                          "{state}: {place} of {states} states counting from the lowest, for {what} · {year} "
                          "({vintage}); lowest: {leader} ({leader_value}); {state}: {value}"),
    "state_rank_top_rate": ("{state}: lugar {place} de {states} estados por tasa por 100 mil habitantes de {what} · "
                            "{year} ({vintage}); primero: {leader} ({leader_value}); {state}: {value}",
                            "{state}: {place} of {states} states by rate per 100,000 of {what} · {year} ({vintage}); "
                            "first: {leader} ({leader_value}); {state}: {value}"),
    "state_rank_bottom_rate": ("{state}: lugar {place} de {states} estados por tasa por 100 mil habitantes, contando "
                               "desde la menor, de {what} · {year} ({vintage}); la menor: {leader} ({leader_value}); "
                               "{state}: {value}",
                               "{state}: {place} of {states} states by rate per 100,000, counting from the lowest, "
                               "for {what} · {year} ({vintage}); lowest: {leader} ({leader_value}); {state}: {value}"),
    "state_rank_no_data": ("no hay una publicación con los 32 estados para {what}",
                           "no release covers all 32 states for {what}"),
    "wjp_state": ("el Índice de Estado de Derecho del WJP es por país", "the WJP Rule of Law Index is by country"),
    "no_edition": ("ninguna edición del WJP cubre {year} (ediciones: {editions})",
                   "no WJP edition covers {year} (editions: {editions})"),
    "no_period": ("la tabla no dice qué periodos compara esta columna",
                  "the table does not say which periods this column compares"),
    "term": ("cifra de un sexenio o tramo de gobierno: no nombra un periodo del calendario",
             "a figure for a presidential term: it names no calendar period"),
    "months_change": ("no se verifican cambios entre partes de años", "changes between parts of years are not checked"),
    "published_until": ("publicado solo hasta {until}", "published only up to {until}"),
    "annualised": ("tasa anualizada: × 12 / meses", "annualised rate: × 12 / months"),
    "months_unsupported": ("cifras de meses sueltos solo se verifican en series del SESNSP",
                           "figures for part of a year are checked only for SESNSP series"),
    "change_unsupported": ("no hay dos años comparables en una misma publicación",
                           "no release holds both years to compare"),
}

KIND_LABELS = {
    "percent": ("porcentajes", "percentages"), "rate": ("tasas", "rates"), "count": ("conteos", "counts"),
    "money": ("montos", "amounts"), "rank": ("posiciones", "ranks"), "score": ("puntajes", "scores"),
    "change": ("cambios", "changes"), "change_pp": ("cambios en puntos", "changes in points"),
    "share": ("porcentajes", "shares"), "implied_change": ("cambios", "changes"),
    "state_rank": ("posiciones entre estados", "rankings of states"),
}
MEASURE_LABELS = {
    "victimas": ("víctimas", "victims"), "carpetas": ("carpetas", "carpetas"),
    "defunciones": ("defunciones (INEGI)", "deaths (INEGI)"), "porcentaje": ("porcentaje", "percentage"),
    "lugar": ("lugar", "rank"), "puntaje": ("puntaje", "score"), "aprobado": ("aprobado", "approved"),
    "ejercido": ("ejercido", "exercised"),
}
SERIES_NAMES = {  # how an explanation names a series: measure, then the topic's label
    "victimas": ("víctimas de {topic}", "victims of {topic}"),
    "carpetas": ("carpetas de {topic}", "{topic} carpetas (case files)"),
    "defunciones": ("defunciones por {topic} (INEGI)", "{topic} deaths (INEGI)"),
    "aprobado": ("{topic}, presupuesto aprobado", "{topic}, approved budget"),
    "ejercido": ("{topic}, presupuesto ejercido", "{topic}, exercised budget"),
}
MONTHS = (("enero", "January"), ("febrero", "February"), ("marzo", "March"), ("abril", "April"), ("mayo", "May"),
          ("junio", "June"), ("julio", "July"), ("agosto", "August"), ("septiembre", "September"),
          ("octubre", "October"), ("noviembre", "November"), ("diciembre", "December"))


def say(lang: str, key: str, **kw) -> str:
    es, en = MESSAGES[key]
    return (en if lang == "en" else es).format(**kw)


def label(table: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    pair = table.get(key)
    return key if pair is None else pair[1 if lang == "en" else 0]


def month_span(first: int, last: int, lang: str) -> str:
    i = 1 if lang == "en" else 0
    return MONTHS[first - 1][i] if first == last else f"{MONTHS[first - 1][i]}–{MONTHS[last - 1][i]}"


def fmt_value(value: float | None, kind: str = "count", lang: str = "es") -> str:
    """34,723 · 74.3% · 27.35 · 28,929,908,846 pesos — thousands with commas, as Mexican sources print them."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if kind in ("percent", "share"):
        return f"{value:,.1f}%"
    if kind in ("change", "implied_change"):
        return f"{value:+,.1f}%"
    if kind == "change_pp":
        return f"{value:+,.1f} pp"
    if kind == "score":
        return f"{value:.4f}"
    if kind == "rate" or (kind == "daily"):
        return f"{value:,.2f}"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def fmt_error(error: float, lang: str) -> str:
    if math.isinf(error):
        return "∞"
    digits = 1 if abs(error) >= 0.001 else 2 if abs(error) >= 0.0001 else 4
    pct = f"{abs(error) * 100:.{digits}f}%"
    if lang == "en":
        return pct + (" (higher)" if error > 0 else " (lower)")
    return "un " + pct + (" (más alto)" if error > 0 else " (más bajo)")
