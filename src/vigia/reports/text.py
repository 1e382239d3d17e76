"""Every sentence of a brief in Spanish and English, and the number/date formats both share.

Mexico writes numbers like English (34,723.5), so one formatter serves both languages; only words
and month names differ. Keys are looked up with `t(key, lang, **values)`.
"""

from __future__ import annotations

import math

import pandas as pd

LANGS = ("es", "en")
MONTHS = {
    "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}

TEXTS: dict[str, tuple[str, str]] = {
    # title block
    "title": ("Informe de seguridad pública: {geo}", "Public-security brief: {geo}"),
    "national": ("Nacional", "Mexico (national)"),
    "national_phrase": ("el país", "Mexico"),
    "period": ("{start} – {end}", "{start} – {end}"),
    "subtitle_admin": ("Primeros {months} meses del sexenio de {name}", "First {months} months of {name}'s term"),
    "subtitle_admin_full": ("Sexenio de {name}", "{name}'s term"),
    "generated": ("Generado el {date} con Vigía {version}. Cifras tal como se publicaron en: {vintages}.",
                  "Generated on {date} with Vigía {version}. Figures as published in: {vintages}."),
    "vintage_item": ("{dataset} corte {vintage}", "{dataset} release {vintage}"),
    # section titles
    "h_summary": ("Resumen", "Summary"),
    "h_headline": ("Indicadores principales por año", "Headline indicators by year"),
    "h_compare": ("Comparación con el sexenio anterior", "Comparison with the previous administration"),
    "h_states": ("Estados", "States"),
    "h_states_rate": ("Estados con la tasa más alta", "States with the highest rate"),
    "h_states_count": ("Estados con más casos", "States with the most cases"),
    "h_states_change": ("Estados con los mayores cambios", "States with the largest changes"),
    "h_monthly": ("Serie mensual", "Monthly series"),
    "methodology_change": ("Cambio de metodología", "Methodology change"),
    "h_context": ("Percepción de inseguridad y Estado de derecho", "Perception of insecurity and rule of law"),
    "h_events": ("Acontecimientos del periodo", "Events of the period"),
    "h_quality": ("Advertencias sobre los datos", "Data-quality warnings"),
    "h_notes": ("Notas", "Notes"),
    "h_sources": ("Fuentes", "Sources"),
    "h_method": ("Método", "Method"),
    # summary sentences
    "sum_total": ("Entre {start} y {end} se registraron {count} {what} en {geo}, una tasa anual de {rate} por cada "
                  "100 mil habitantes{ref}.",
                  "Between {start} and {end}, {count} {what} were recorded in {geo}, an annual rate of {rate} per "
                  "100,000 inhabitants{ref}."),
    "sum_compare": ("En los primeros {months} meses de su sexenio, {name} acumuló {count}, {change} que {prev} en el "
                    "mismo tramo ({prev_count}){ref}.",
                    "In the first {months} months of the term, {name} accumulated {count}, {change} than {prev} at the "
                    "same point ({prev_count}){ref}."),
    "sum_total_norate": ("Entre {start} y {end} se registraron {count} {what} en {geo}{ref}.",
                         "Between {start} and {end}, {count} {what} were recorded in {geo}{ref}."),
    "sum_what": ("víctimas de homicidio doloso", "victims of intentional homicide"),
    "more": ("{pct} más", "{pct} more"),
    "less": ("{pct} menos", "{pct} fewer"),
    "sum_compare_na": ("No hay datos comparables del mismo tramo del sexenio de {prev} para {what}.",
                       "There are no comparable data for the same stretch of {prev}'s term for {what}."),
    "sum_top": ("La tasa más alta fue la de {state} ({rate}){ref}.", "The highest rate was in {state} ({rate}){ref}."),
    "sum_state_rank": ("{state} ocupó el lugar {rank} de {n} por tasa{ref}.",
                       "{state} ranked {rank} of {n} by rate{ref}."),
    # headline table
    "headline_intro": ("Número y, entre paréntesis, tasa por cada 100 mil habitantes (población de CONAPO a mitad de "
                       "año). Los años incompletos se marcan con sus meses y muestran la tasa anualizada (× 12 / "
                       "meses), como la columna del periodo; así todas las tasas son anuales y comparables.",
                       "Count and, in brackets, rate per 100,000 inhabitants (CONAPO mid-year population). Partial "
                       "years are labelled with their months and show the annualised rate (× 12 / months), as the "
                       "period column does; so every rate is annual and comparable."),
    "col_indicator": ("Indicador", "Indicator"),
    "col_measure": ("Medida", "Measure"),
    "col_period_total": ("Periodo (tasa anual)", "Period (annual rate)"),
    "not_available": ("no disponible", "not available"),
    # comparison
    "compare_intro": ("Primeros {months} meses de cada sexenio: {cur} ({cur_span}) frente a {prev} ({prev_span}). "
                      "Total del tramo y, entre paréntesis, tasa anual por 100 mil habitantes.",
                      "First {months} months of each term: {cur} ({cur_span}) against {prev} ({prev_span}). Total "
                      "for the stretch and, in brackets, annual rate per 100,000 inhabitants."),
    "compare_none": ("No hay un sexenio anterior con el cual comparar.", "There is no previous administration to "
                     "compare with."),
    "col_change": ("Cambio", "Change"),
    "col_comparable": ("¿Comparable?", "Comparable?"),
    "yes": ("sí", "yes"),
    "no": ("no", "no"),
    "no_data": ("sin datos", "no data"),
    # states
    "states_intro": ("{what}: tasa anual por 100 mil habitantes entre {start} y {end}, y su cambio frente a los {n} "
                     "meses anteriores ({pstart} – {pend}).",
                     "{what}: annual rate per 100,000 inhabitants between {start} and {end}, and its change against "
                     "the previous {n} months ({pstart} – {pend})."),
    "states_intro_nochange": ("{what}: tasa anual por 100 mil habitantes entre {start} y {end}. No hay datos de los "
                              "{n} meses anteriores para calcular el cambio.",
                              "{what}: annual rate per 100,000 inhabitants between {start} and {end}. There are no "
                              "data for the previous {n} months to compute the change."),
    "col_rank": ("Lugar", "Rank"),
    "col_state": ("Estado", "State"),
    "col_count": ("Número", "Count"),
    "col_rate": ("Tasa", "Rate"),
    "col_rate_before": ("Tasa anterior", "Previous rate"),
    "col_rank_change": ("Lugar por cambio", "Rank by change"),
    "increases": ("Mayores aumentos", "Largest increases"),
    "decreases": ("Mayores disminuciones", "Largest decreases"),
    "col_group": ("Grupo", "Group"),
    "map_caption": ("Mapa: {what}, {unit}, {start} – {end}. Geometría: {geometry}{ref}.",
                    "Map: {what}, {unit}, {start} – {end}. Geometry: {geometry}{ref}."),
    "map_missing": ("No se dibujó el mapa estatal: no se encontró una geometría de los estados (indique un GeoJSON con "
                    "--geometry o la variable VIGIA_GEOMETRY).",
                    "No state map was drawn: no state geometry was found (give a GeoJSON with --geometry or the "
                    "VIGIA_GEOMETRY variable)."),
    "geometry_env": ("{file} (sha256 {sha}), indicada por VIGIA_GEOMETRY",
                     "{file} (sha256 {sha}), from VIGIA_GEOMETRY"),
    "geometry_option": ("{file} (sha256 {sha}), indicada con --geometry",
                        "{file} (sha256 {sha}), given with --geometry"),
    "geometry_package": ("{file} (sha256 {sha}), incluida en Vigía", "{file} (sha256 {sha}), shipped with Vigía"),
    # monthly chart
    "chart_caption": ("{geo}: víctimas y carpetas de homicidio doloso por mes, {start} – {end}. Franjas: sexenios; en "
                      "color, el periodo del informe; líneas punteadas: acontecimientos (E1, E2… en la lista){ref}.",
                      "{geo}: intentional-homicide victims and case files per month, {start} – {end}. Bands: "
                      "administrations; shaded, the period of the brief; dotted lines: events (E1, E2… in the list)"
                      "{ref}."),
    "legend_victims": ("Víctimas de homicidio doloso", "Intentional-homicide victims"),
    "legend_carpetas": ("Carpetas de homicidio doloso", "Intentional-homicide case files"),
    "axis_month": ("por mes", "per month"),
    "axis_rate": ("tasa anual por 100 mil hab.", "annual rate per 100,000"),
    "charts_missing": ("Sin gráficos: requieren matplotlib (pip install 'vigia[report]').",
                       "No charts: they need matplotlib (pip install 'vigia[report]')."),
    "chart_none": ("No hay datos mensuales para dibujar la serie.", "There are no monthly data to chart."),
    # context
    "envipe_title": ("Percepción de inseguridad (ENVIPE, INEGI): % de la población de 18 años y más que considera "
                     "insegura su entidad{scope}.",
                     "Perception of insecurity (ENVIPE, INEGI): % of the population aged 18+ who consider their state "
                     "unsafe{scope}."),
    "envipe_scope_state": (" ({geo})", " ({geo})"),
    "envipe_note": ("La encuesta de cada año mide la percepción en marzo–abril de ese año; se muestra la última "
                    "anterior al periodo como referencia.",
                    "Each year's survey measures perception in March–April of that year; the last one before the "
                    "period is shown as a baseline."),
    "wjp_title": ("Índice de Estado de Derecho del World Justice Project: puntaje y lugar de México (nacional).",
                  "World Justice Project Rule of Law Index: Mexico's score and rank (national)."),
    "col_survey": ("Encuesta", "Survey"),
    "col_edition": ("Edición", "Edition"),
    "col_percent": ("% que se siente inseguro", "% feeling unsafe"),
    "col_score": ("Puntaje (0–1)", "Score (0–1)"),
    "col_wjp_rank": ("Lugar", "Rank"),
    "baseline": ("referencia", "baseline"),
    "envipe_missing": ("Los datos de percepción de inseguridad (ENVIPE) no están disponibles en este almacén.",
                       "Perception-of-insecurity data (ENVIPE) are not available in this store."),
    "wjp_missing": ("Los datos de Estado de derecho (World Justice Project) no están disponibles en este almacén.",
                    "Rule-of-law data (World Justice Project) are not available in this store."),
    "context_none_in_period": ("No hay mediciones dentro del periodo ni antes de él.",
                               "There are no measurements in or before the period."),
    "context_fallback": ("Los indicadores de contexto se leyeron directamente del almacén: el módulo "
                         "vigia.indicators.context no está instalado en esta versión.",
                         "Context indicators were read directly from the store: the vigia.indicators.context module "
                         "is not installed in this version."),
    # events
    "events_intro": ("Acontecimientos registrados en la cronología curada de Vigía{scope}. Cada uno enlaza a sus "
                     "fuentes periodísticas u oficiales.",
                     "Events recorded in Vigía's curated timeline{scope}. Each links to its press or official "
                     "sources."),
    "events_scope_state": (" (nacionales y de {geo})", " (national and in {geo})"),
    "events_none": ("La cronología no registra acontecimientos en este periodo.",
                    "The timeline records no events in this period."),
    "col_date": ("Fecha", "Date"),
    "col_event": ("Acontecimiento", "Event"),
    "col_kind": ("Tipo", "Kind"),
    "col_source": ("Fuente", "Source"),
    # quality
    "q_vintage": ("Las cifras son las publicadas en el corte indicado en cada nota; las publicaciones posteriores del "
                  "SESNSP reescriben meses anteriores y pueden cambiarlas.",
                  "Figures are as published in the release named in each note; later SESNSP releases rewrite earlier "
                  "months and may change them."),
    "q_vintages_differ": ("Víctimas y carpetas provienen de cortes distintos ({victims} y {carpetas}): no cubren "
                          "necesariamente los mismos meses.",
                          "Victims and case files come from different releases ({victims} and {carpetas}): they do "
                          "not necessarily cover the same months."),
    "q_missing_months": ("{what}: faltan {n} de {total} meses del periodo ({months}); los totales y tasas cubren solo "
                         "los meses publicados.",
                         "{what}: {n} of the period's {total} months are missing ({months}); totals and rates cover "
                         "only the published months."),
    "q_methodology": ("{what}: el periodo incluye datos de otro instrumento ({methods}); no son plenamente "
                      "comparables con CNSP/38/15.",
                      "{what}: the period includes data from another instrument ({methods}); they are not fully "
                      "comparable with CNSP/38/15."),
    "q_compare_not_comparable": ("{what}: la comparación entre sexenios mezcla metodologías ({methods}); no es "
                                 "comparable.",
                                 "{what}: the comparison between administrations mixes methodologies ({methods}); it "
                                 "is not comparable."),
    "q_feminicide": ("El feminicidio se clasifica de forma muy desigual entre estados; léalo junto con el homicidio "
                     "doloso de mujeres.",
                     "Feminicide is classified very unevenly between states; read it together with intentional "
                     "homicides of women."),
    "q_carpetas_victims": ("Carpetas de investigación y víctimas son medidas distintas: una carpeta puede tener varias "
                           "víctimas. Nunca se suman ni se mezclan.",
                           "Case files and victims are different measures: one case file may hold several victims. "
                           "They are never added or mixed."),
    "q_clipped": ("El periodo pedido termina después del último mes publicado ({last}); el informe llega hasta ese "
                  "mes.",
                  "The period asked for ends after the last published month ({last}); the brief stops at that month."),
    "q_no_population": ("No hay población de CONAPO en este almacén: el informe da números sin tasas y ordena los "
                        "estados por número, no por tasa.",
                        "There is no CONAPO population in this store: the brief gives counts without rates and ranks "
                        "states by count, not by rate."),
    "q_service_skipped": ("Las revisiones del servicio de calidad de datos se omitieron a petición (--no-quality).",
                          "The data-quality service checks were skipped on request (--no-quality)."),
    "q_service_missing": ("El servicio de calidad de datos (vigia.analysis.service) no está instalado: solo se "
                          "muestran las marcas hechas al ingerir los archivos (valores negativos).",
                          "The data-quality service (vigia.analysis.service) is not installed: only the flags made "
                          "when the files were ingested (negative values) are shown."),
    "q_service_failed": ("El servicio de calidad de datos falló ({error}); solo se muestran las marcas hechas al "
                         "ingerir los archivos.",
                         "The data-quality service failed ({error}); only the flags made at ingest are shown."),
    "q_ingest_flags": ("{n} celdas con valor negativo en el periodo para {geo} (se conservan; revise {examples}).",
                       "{n} cells with a negative value in the period for {geo} (kept; check {examples})."),
    "q_service_flags": ("{n} marcas de calidad en el periodo ({rules}). Las más graves:",
                        "{n} quality flags in the period ({rules}). The most severe:"),
    "q_no_flags": ("Sin marcas de calidad para {geo} en el periodo.", "No quality flags for {geo} in the period."),
    "q_indicator_missing": ("{what}: no disponible en este almacén ({reason}).",
                            "{what}: not available in this store ({reason})."),
    "q_rank_unavailable": ("La clasificación de estados no está disponible: {reason}",
                           "The ranking of states is not available: {reason}"),
    # notes & sources
    "fn_count": ("{what}, {geo}, {period}: {count}.", "{what}, {geo}, {period}: {count}."),
    "fn_rate": ("{what}, {geo}, {period}: {count}; tasa = {formula}.", "{what}, {geo}, {period}: {count}; rate = "
                "{formula}."),
    "fn_mean_pop": ("población media ponderada por meses = {formula}", "month-weighted mean population = {formula}"),
    "fn_wjp": ("{what}, {label}: puntaje {score}, lugar {rank} de {countries}.",
               "{what}, {label}: score {score}, rank {rank} of {countries}."),
    "fn_change": ("{what}, {geo}: cambio = {formula}.", "{what}, {geo}: change = {formula}."),
    "fn_context": ("{what}, {geo}, {label}: {value}.", "{what}, {geo}, {label}: {value}."),
    "fn_chart": ("Datos del gráfico.", "Chart data."),
    "fn_sources": ("Fuente: {sources}", "Source: {sources}"),
    "src_release": ("{producer} {file} (corte {vintage}, sha256 {sha})", "{producer} {file} (release {vintage}, "
                    "sha256 {sha})"),
    "sources_intro": ("Cada archivo oficial usado, tal como se ingirió: productor, corte (mes de cierre), nombre y "
                      "sha256 completo.",
                      "Every official file used, as ingested: producer, release (cut-off month), name and full "
                      "sha256."),
    "method": ("Las tasas dividen el número entre la población de CONAPO a mitad de año y multiplican por 100 mil; "
               "para periodos de varios meses se usa la población media ponderada por meses y se anualiza "
               "(× 12 / meses). El sexenio de López Obrador terminó el 30 de septiembre de 2024; el mes 1 de un "
               "sexenio es el mes en que empieza. Vigía produce el mismo archivo, byte por byte, con los mismos datos "
               "y opciones.",
               "Rates divide the count by CONAPO's mid-year population and multiply by 100,000; for periods of "
               "several months the month-weighted mean population is used and the rate is annualised (× 12 / "
               "months). López Obrador's term ended on 30 September 2024; month 1 of a term is the month it starts "
               "in. Vigía produces the same file, byte for byte, from the same data and options."),
    "dataset_victims": ("víctimas", "victims"),
    "dataset_incidence": ("carpetas", "case files"),
    "measure_victimas": ("víctimas", "victims"),
    "measure_carpetas": ("carpetas", "case files"),
    "page": ("Página", "Page"),
}

RULES_EN = {"silent_reporting": "silent reporting", "negative_value": "negative value",
            "reclassification": "possible reclassification", "large_revision": "large revision",
            "sesnsp_inegi_divergence": "SESNSP–INEGI divergence"}
PRODUCERS = {"sesnsp": "SESNSP", "conapo": "CONAPO", "inegi": "INEGI", "wjp": "WJP", "shcp": "SHCP"}


def t(key: str, lang: str, **values) -> str:
    text = TEXTS[key][1 if lang == "en" else 0]
    return text.format(**values) if values else text


def month_label(period, lang: str) -> str:
    """'2019-05' (or a Timestamp) → 'may 2019' / 'May 2019'."""
    ts = pd.Timestamp(period)
    return f"{MONTHS[lang][ts.month - 1]} {ts.year}"


def year_label(year: int, first_month: int, last_month: int, lang: str) -> str:
    """A calendar year clipped to a period: '2019', '2018 (dic)', '2020 (ene–nov)'."""
    if first_month == 1 and last_month == 12:
        return str(year)
    names = MONTHS[lang]
    if first_month == last_month:
        return f"{year} ({names[first_month - 1]})"
    return f"{year} ({names[first_month - 1]}–{names[last_month - 1]})"


def count(value) -> str:
    return f"{int(round(float(value))):,}"


def rate(value) -> str:
    """Rates per 100,000: one decimal, two below 1 (kidnapping rates are small)."""
    v = float(value)
    return f"{v:,.2f}" if abs(v) < 1 else f"{v:,.1f}"


def number(value, decimals: int = 1) -> str:
    return f"{float(value):,.{decimals}f}"


def pct(value) -> str:
    """Signed percentage with an ASCII sign (safe in every output, PDF fonts included)."""
    v = float(value)
    return f"{'+' if v > 0 else ''}{v:,.1f}%"


def missing(value) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False
