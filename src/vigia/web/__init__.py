"""Web dashboard and read-only HTTP API (`vigia serve`): `vigia.web.app.create_app(store)` builds the app.

Modules: app (factory, static files, security headers), api (/api routes), pages (HTML routes), service
(queries over the store), backend (per-thread cursors and the result cache), render and i18n (templates and
labels), quality and timeline (flags, terms, events), geometry (builds the map's GeoJSON), optional (modules
other layers are still building).
"""
