"""CapaCityMetro: where migrants in the Metropolitan City of Venice can reach
the services that help them settle, and how quickly.

Functions work over files (any OGR format, reprojected to a metric working
CRS) or over numpy arrays already in a metric CRS. Distances are in metres,
times in seconds, except parameters named ``minutes``.
"""

from __future__ import annotations

from ._core import (
    CancelledError,
    CapacityMetroError,
    CatalogueError,
    CrsError,
    FacilityIndex,
    InputError,
    __version__,
    coverage_arrays,
    default_speed_m_s,
    validate_catalogue,
    vocabulary,
)
from ._core import run_coverage as coverage
from .demo import DEMO_DATA, run_demo


def validate(path, layer=None, working_epsg=None):
    """Read and validate a service catalogue; return its services as dicts.

    Raises CatalogueError listing every problem (``.problems``), each naming
    the layer, feature and field.
    """
    services, _epsg = validate_catalogue(path, layer, working_epsg)
    return services


__all__ = [
    "CancelledError",
    "CapacityMetroError",
    "CatalogueError",
    "CrsError",
    "DEMO_DATA",
    "FacilityIndex",
    "InputError",
    "__version__",
    "coverage",
    "coverage_arrays",
    "default_speed_m_s",
    "run_demo",
    "validate",
    "vocabulary",
]
