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
    CapacityMetroWarning,
    CatalogueError,
    CrsError,
    FacilityIndex,
    InputError,
    InternalError,
    Network,
    __version__,
    accessibility_arrays,
    build_network,
    catalogue_schema,
    coverage,
    coverage_arrays,
    default_speed_m_s,
    is_open,
    job_specs,
    location_arrays,
    needs,
    opening_hours_problem,
    opening_hours_text,
    protect_table,
    suggest_sites,
    travel_areas,
    validate_catalogue,
    vocabulary,
)
from ._core import accessibility_job as accessibility
from .demo import DEMO_DATA, run_demo, run_needs_demo
from .synthetic import synthetic_requests


def open_network(path, on_rebuilt=None):
    """A network from a saved file (``.cmnet``, rebuilt when its source
    changed, then ``on_rebuilt(path)`` is called) or built in memory from an
    OSM PBF file or OGR line layer."""
    network, rebuilt = Network.open(path)
    if rebuilt and on_rebuilt is not None:
        on_rebuilt(path)
    return network


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
    "CapacityMetroWarning",
    "CatalogueError",
    "CrsError",
    "DEMO_DATA",
    "FacilityIndex",
    "InputError",
    "InternalError",
    "Network",
    "__version__",
    "accessibility",
    "accessibility_arrays",
    "build_network",
    "catalogue_schema",
    "coverage",
    "coverage_arrays",
    "default_speed_m_s",
    "is_open",
    "job_specs",
    "needs",
    "open_network",
    "opening_hours_problem",
    "opening_hours_text",
    "protect_table",
    "run_demo",
    "run_needs_demo",
    "suggest_sites",
    "location_arrays",
    "synthetic_requests",
    "travel_areas",
    "validate",
    "vocabulary",
]
