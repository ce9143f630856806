"""Publishing results for the public: a privacy-safe copy of a results
GeoPackage, served as WMS by GeoServer (REST) or QGIS Server (a project)."""

from .privacy import PublishError, public_copy

__all__ = ["PublishError", "public_copy"]
