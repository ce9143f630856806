"""Typed interface of the compiled core (``capacitymetro._core``).

Units: metres and seconds, coordinates in a metric working CRS, except
parameters named ``minutes``. A cost exactly equal to a threshold is inside.
"""

from os import PathLike
from typing import Any, Callable, Optional, Sequence, TypedDict, Union

import numpy as np
import numpy.typing as npt

__version__: str

Path = Union[str, PathLike[str]]
#: ``callback(done, total)``; return ``False`` to cancel (raises CancelledError).
ProgressCallback = Callable[[int, int], Any]

class CapacityMetroError(Exception):
    """Base of every CapaCityMetro error."""

class InputError(CapacityMetroError):
    """Bad input: file, layer, feature, field or parameter.

    ``problem`` (when the error concerns one feature or field) is a dict with
    ``layer``, ``feature``, ``field`` and ``message``."""

    problem: dict[str, Optional[str]]

class CatalogueError(InputError):
    """The service catalogue has problems; ``problems`` lists every one as a
    dict with ``layer``, ``feature``, ``field`` and ``message``."""

    problems: list[dict[str, Optional[str]]]

class CrsError(CapacityMetroError):
    """A CRS is missing (layer without CRS), unknown, or not metric."""

class CancelledError(CapacityMetroError):
    """The progress callback returned False."""

class Category(TypedDict):
    id: str
    colour: str
    marker: str
    labels: dict[str, str]

def vocabulary() -> list[Category]:
    """The service categories, in order, with labels in it, en, fr, ar, bn, uk, zh
    and their map colour and marker."""

def validate_catalogue(
    path: Path, layer: Optional[str] = None, working_epsg: Optional[int] = None
) -> tuple[list[dict[str, Any]], int]:
    """Read and validate a service catalogue (any OGR format; a CSV needs
    lon/lat columns, read as WGS 84), reprojected to the working CRS.

    Returns ``(services, working_epsg)``; each service dict holds the
    catalogue fields, ``categories`` and ``languages`` as lists, ``capacity``
    (users per week, default 1) and ``x``, ``y`` in metres of the working CRS
    (by default the UTM zone of the catalogue's centre).

    Raises CatalogueError listing every problem, InputError for an unreadable
    file or empty layer, CrsError for a layer without CRS or a working CRS
    that is not projected in metres.
    """

class FacilityIndex:
    """R-tree over service points (metres), one tree per category."""

    def __init__(self, xy: npt.NDArray[np.float64], categories: Optional[Sequence[str]] = None) -> None:
        """``xy``: (n, 2) array in a metric CRS. ``categories``: one string per
        point, category ids separated by ``;`` (e.g. ``"legal;health"``)."""

    def __len__(self) -> int: ...
    def nearest(
        self,
        xy: npt.NDArray[np.float64],
        k: int = 1,
        category: Optional[str] = None,
        progress: Optional[ProgressCallback] = None,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """The ``k`` nearest services of each query point (of ``category``
        when given), nearest first: ``(indices, distances_m)``, both (n, k).
        Missing neighbours are index -1 and distance inf. Runs on all cores."""

    def within(
        self, xy: npt.NDArray[np.float64], max_distance_m: float, category: Optional[str] = None
    ) -> list[tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]]:
        """Per query point, the services within ``max_distance_m`` metres
        (inclusive), nearest first: ``(indices, distances_m)``."""

class CategoryCoverage(TypedDict):
    nearest_service: list[Any]
    nearest_distance_m: npt.NDArray[np.float64]
    nearest_time_s: npt.NDArray[np.float64]
    count_within: npt.NDArray[np.int64]

def default_speed_m_s(mode: str) -> float:
    """The straight-line model's speed for ``walk`` (1.25), ``bike`` (4.17)
    or ``car`` (8.33), in metres per second."""

def coverage_arrays(
    demand_xy: npt.NDArray[np.float64],
    services_xy: npt.NDArray[np.float64],
    service_categories: Sequence[str],
    *,
    mode: str = "walk",
    minutes: float = 30.0,
    categories: Optional[Sequence[str]] = None,
    speed_m_s: Optional[float] = None,
    detour_factor: Optional[float] = None,
    progress: Optional[ProgressCallback] = None,
) -> dict[str, CategoryCoverage]:
    """Per category: for each demand point the nearest service (index, or None),
    its travel distance in metres and time in seconds (inf when the category
    has no service), and the number of services within ``minutes``.

    Straight-line cost: time = distance x ``detour_factor`` (default 1.3) /
    ``speed_m_s`` (default per mode, see default_speed_m_s)."""

def run_coverage(
    services: Path,
    demand: Path,
    population_field: str,
    *,
    services_layer: Optional[str] = None,
    demand_layer: Optional[str] = None,
    id_field: Optional[str] = None,
    name_field: Optional[str] = None,
    zones: Optional[Path] = None,
    zones_layer: Optional[str] = None,
    zones_key: Optional[str] = None,
    mode: str = "walk",
    minutes: float = 30.0,
    summary_minutes: Sequence[float] = (15.0, 30.0, 60.0),
    categories: Optional[Sequence[str]] = None,
    working_epsg: Optional[int] = None,
    output: Optional[Path] = None,
    output_layer: str = "coverage",
    progress: Optional[ProgressCallback] = None,
) -> dict[str, Any]:
    """Coverage from files: validate the catalogue, read the demand (points, or
    polygons represented by a point inside them) with its population field,
    and compute per unit and category the nearest service and the count within
    ``minutes``.

    ``zones`` (polygons joined to the demand by ``zones_key`` = demand id)
    replace the demand geometry in the output. With ``output``, writes a
    GeoPackage (layers ``services``, ``output_layer`` and ``summary``) through
    a temporary file moved into place.

    Returns a dict: ``working_epsg``, ``mode``, ``minutes``, ``services``,
    ``demand`` (``id``, ``name``, ``population``, ``xy`` in metres),
    ``coverage`` (category id -> CategoryCoverage, ``nearest_service`` holding
    service ids) and ``summary`` (per category: ``population_total``,
    ``population_within_minutes`` {minutes: persons}, ``worst_served`` unit
    indices, slowest first).
    """
