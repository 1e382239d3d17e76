"""Interface labels: Spanish first, English on ?lang=en. Data labels (indicators, states) come from their
catalogues; this file holds only the words of the pages."""

from __future__ import annotations

LANGS = ("es", "en")

MONTHS = {
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}

LABELS: dict[str, tuple[str, str]] = {
    "site_title": ("Vigía — Observatorio de seguridad pública", "Vigía — Public-security observatory"),
    "tagline": ("Estadísticas oficiales de seguridad en México, con cada versión publicada.",
                "Mexico's official security statistics, with every published release."),
    "nav_overview": ("Panorama", "Overview"),
    "nav_map": ("Mapa", "Map"),
    "nav_states": ("Estados", "States"),
    "nav_administrations": ("Sexenios", "Administrations"),
    "nav_vintages": ("Versiones", "Vintages"),
    "nav_claims": ("Verificador", "Claim checker"),
    "nav_api": ("API", "API"),
    "switch_lang": ("English", "Español"),
    "indicator": ("Indicador", "Indicator"),
    "state": ("Estado", "State"),
    "geography": ("Geografía", "Geography"),
    "period": ("Periodo", "Period"),
    "year": ("Año", "Year"),
    "unit": ("Unidad", "Unit"),
    "months": ("Meses", "Months"),
    "value": ("Valor", "Value"),
    "rank": ("Lugar", "Rank"),
    "national": ("Nacional", "National"),
    "unit_rate": ("Tasa por 100 mil hab.", "Rate per 100,000"),
    "unit_count": ("Conteo", "Count"),
    "unit_rate_annualized": ("Tasa anualizada por 100 mil hab.", "Annualised rate per 100,000"),
    "show": ("Mostrar", "Show"),
    "headline": ("Indicadores principales", "Headline indicators"),
    "latest_month": ("Último mes", "Latest month"),
    "vs_prev_month": ("vs. mes anterior", "vs. previous month"),
    "vs_prev_year": ("vs. mismo mes del año anterior", "vs. same month last year"),
    "monthly_trend": ("Tendencia mensual", "Monthly trend"),
    "trend_note": ("Bandas: sexenios. Rombos: eventos nacionales del calendario curado de Vigía.",
                   "Bands: presidential terms. Diamonds: national events from Vigía's curated timeline."),
    "latest_changes": ("Cambios del último mes publicado", "Changes in the latest published month"),
    "yoy_break": ("— vs. año anterior: catálogo RNID (2026), no comparable",
                  "— vs. last year: RNID catalogue (2026), not comparable"),
    "not_comparable": ("no comparable (cambio de metodología)", "not comparable (methodology change)"),
    "map_title": ("Mapa por estado", "Map by state"),
    "map_note": ("Clic en un estado para ver su página.", "Click a state to open its page."),
    "ranking": ("Clasificación de estados", "State ranking"),
    "state_title": ("Estado", "State"),
    "state_vs_national": ("Tasa anual: estado y nacional", "Annual rate: state and national"),
    "monthly_counts": ("Conteo mensual", "Monthly count"),
    "rank_in": ("Lugar nacional en", "National rank in"),
    "of_32": ("de 32 (1 = tasa más alta)", "of 32 (1 = highest rate)"),
    "quality_flags": ("Alertas de calidad de los datos", "Data-quality flags"),
    "no_flags": ("Sin alertas para este estado.", "No flags for this state."),
    "rule": ("Regla", "Rule"),
    "severity": ("Severidad", "Severity"),
    "evidence": ("Evidencia", "Evidence"),
    "events": ("Eventos", "Events"),
    "no_events": ("Sin eventos registrados.", "No events recorded."),
    "adm_title": ("Sexenios al mismo mes de gobierno", "Administrations at the same month of term"),
    "adm_note": ("Mes 1 = mes en que inicia el sexenio. Las tasas son anuales por 100 mil habitantes.",
                 "Month 1 = the month the term starts. Rates are annual per 100,000 inhabitants."),
    "month_of_term": ("Mes de gobierno", "Month of term"),
    "administration": ("Sexenio", "Administration"),
    "total": ("Total", "Total"),
    "monthly_mean": ("Promedio mensual", "Monthly mean"),
    "rate": ("Tasa", "Rate"),
    "change": ("Cambio", "Change"),
    "methodology": ("Metodología", "Methodology"),
    "comparable": ("Comparable", "Comparable"),
    "vintages_title": ("Cómo cambió una cifra entre publicaciones", "How a figure changed across releases"),
    "vintages_note": ("Cada punto es la cifra tal como la publicó esa versión (corte) del archivo oficial.",
                      "Each point is the figure as published by that release (cut-off) of the official file."),
    "vintage": ("Versión (corte)", "Vintage (cut-off)"),
    "file": ("Archivo", "File"),
    "not_published": ("no publicado aún", "not yet published"),
    "claims_title": ("Verificador de afirmaciones", "Claim checker"),
    "claims_intro": ("Pegue un texto con cifras de seguridad; Vigía las compara con los datos oficiales.",
                     "Paste a text with security figures; Vigía checks them against the official data."),
    "claims_unavailable": ("El verificador no está disponible todavía en esta instalación.",
                           "The claim checker is not available yet in this installation."),
    "check": ("Verificar", "Check"),
    "verdict": ("Veredicto", "Verdict"),
    "claim": ("Afirmación", "Claim"),
    "verdict_exact": ("exacta", "exact"),
    "verdict_within_0.5pct": ("dentro de 0.5 %", "within 0.5%"),
    "verdict_within_2pct": ("dentro de 2 %", "within 2%"),
    "verdict_contradicted": ("contradicha", "contradicted"),
    "verdict_unverifiable": ("no verificable", "unverifiable"),
    "matched": ("Cifra publicada", "Published figure"),
    "no_claims": ("No se encontraron afirmaciones verificables.", "No checkable claims found."),
    "sources": ("Fuentes y versiones", "Sources and vintages"),
    "source_line": ("Fuente", "Source"),
    "cutoff": ("corte a", "cut-off"),
    "sha": ("sha256", "sha256"),
    "api_title": ("API HTTP", "HTTP API"),
    "api_intro": ("API de solo lectura; el esquema OpenAPI está en", "Read-only API; the OpenAPI schema is at"),
    "not_found": ("No encontrado", "Not found"),
    "bad_request": ("Solicitud no válida", "Invalid request"),
    "choices": ("Opciones válidas", "Valid choices"),
    "back_home": ("Volver al panorama", "Back to the overview"),
    "footer_offline": ("Todo se sirve desde este equipo: sin CDN ni peticiones externas.",
                       "Everything is served from this machine: no CDN, no external request."),
    "methodology_break": ("Cambio de metodología", "Methodology change"),
    "store": ("Almacén", "Store"),
    "states_list": ("Elija un estado", "Choose a state"),
    "loading": ("Cargando…", "Loading…"),
    "brief": ("Informe con fuentes (tarda unos segundos)", "Brief with sources (takes a few seconds)"),
}


def lang_of(value: str | None) -> str:
    return value if value in LANGS else "es"


def t(key: str, lang: str) -> str:
    es, en = LABELS[key]
    return en if lang == "en" else es


def month_label(period: str | None, lang: str) -> str:
    """'2024-11' → 'noviembre de 2024' / 'November 2024'; a year stays as it is."""
    if not period:
        return ""
    if len(period) == 7 and period[4] == "-":
        name = MONTHS[lang][int(period[5:]) - 1]
        return f"{name} de {period[:4]}" if lang == "es" else f"{name} {period[:4]}"
    return period


def source_line(sources: list[dict], lang: str) -> str:
    """'Fuente: SESNSP, corte a junio de 2025; CONAPO (2023-01)' — the habit of the field. SESNSP, the
    monthly source, comes first with its cut-off month; other sources give their release's vintage."""
    latest: dict[str, str] = {}
    for s in sources:
        name = str(s.get("source") or "").upper()
        if name:
            latest[name] = max(latest.get(name, ""), str(s.get("vintage") or ""))
    if not latest:
        return ""
    order = sorted(latest, key=lambda n: (n != "SESNSP", n))
    parts = [f"{n}, {t('cutoff', lang)} {month_label(latest[n], lang)}" if n == "SESNSP" and latest[n]
             else (f"{n} ({latest[n]})" if latest[n] else n) for n in order]
    return f"{t('source_line', lang)}: " + "; ".join(parts)
