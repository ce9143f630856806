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
    network: Optional["Network"] = None,
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

class Network:
    """A road network: one directed graph per mode (walk, bike, car) in a metric CRS (``epsg``)."""

    epsg: int

    @staticmethod
    def build(path: Path, *, working_epsg: Optional[int] = None, speed_field: Optional[str] = None,
              oneway_field: Optional[str] = None, modes_field: Optional[str] = None,
              tolerance_m: float = 1.0) -> "Network":
        """Build from an OSM PBF file or any OGR line layer (speed field in km/h;
        end points closer than ``tolerance_m`` metres join)."""
    @staticmethod
    def open(path: Path) -> tuple["Network", bool]:
        """Open a saved network; rebuilt (and saved over) when its source changed. Returns (network, rebuilt)."""
    def save(self, path: Path) -> None:
        """Save (temporary file, then moved into place)."""
    def info(self) -> dict[str, Any]:
        """Source, EPSG and per mode: nodes, edges, length_m, islands dropped."""
    def nodes_xy(self, mode: str) -> npt.NDArray[np.float64]:
        """Node coordinates (n, 2), metres."""
    def edges(self, mode: str) -> dict[str, npt.NDArray[Any]]:
        """Edge list: source, target (node indices), time_s (seconds), length_m (metres)."""
    def node_times(self, mode: str, sources: Sequence[int], *, cutoff_s: float = ...,
                   reverse: bool = False) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
        """Seconds from the nearest source node to every node (inf beyond ``cutoff_s``) and which
        source (-1 when none); with ``reverse``, from every node to its nearest source."""
    def snap(self, mode: str, xy: npt.NDArray[np.float64], max_snap_m: float = 500.0) -> dict[str, Any]:
        """Where points join the network: link (-1 beyond ``max_snap_m`` metres), fraction, distance_m, xy."""

def travel_areas(services: Path, network: Network, *, mode: str = "walk",
                 minutes: Sequence[float] = (5.0, 10.0, 15.0, 30.0), services_layer: Optional[str] = None,
                 categories: Optional[Sequence[str]] = None, cell_m: Optional[float] = None,
                 off_network_m: Optional[float] = None, max_snap_m: float = 500.0, dissolve: bool = False,
                 output: Optional[Path] = None, surfaces: bool = False,
                 progress: Optional[ProgressCallback] = None) -> dict[str, Any]:
    """Per service and time band (minutes, cumulative), the area from which it is reached: a time
    surface on a grid (``cell_m`` metres; 50 walking, 75 cycling, 100 driving) whose cells join the
    network like any point (walking at most ``off_network_m``, default two cells), contoured by
    marching squares. ``dissolve`` unions per category. With ``surfaces``, each service's surface
    (x0, y0 = centre of the first cell, cell_m, times_s seconds). Writes layers services and
    travel_areas to ``output``."""

def accessibility_arrays(demand_index: npt.NDArray[np.int64], service_index: npt.NDArray[np.int64],
                         cost_s: npt.NDArray[np.float64], supply: npt.NDArray[np.float64],
                         demand: npt.NDArray[np.float64], *, method: str = "2sfca", max_minutes: float = 30.0,
                         decay: Optional[str] = None,
                         zone_weights: Optional[Sequence[tuple[float, float]]] = None) -> dict[str, Any]:
    """An index on a cost table (one row per pair, cost in seconds): ``2sfca``, ``e2sfca``
    (``zone_weights`` as (upper minutes, weight), default 10/1.00, 20/0.68, 30/0.22), ``3sfca`` or
    ``gravity``; ``decay`` as ``uniform``, ``linear:S``, ``exponential:S``, ``gaussian:S`` or
    ``power:EXP[:MIN_S]`` (seconds). A cost equal to the catchment is inside. Returns access (per
    demand unit) and ratio (supply per weighted person, per service)."""

def run_accessibility(services: Path, demand: Path, population_field: str, *, method: str = "2sfca",
                      minutes: float = 30.0, decay: Optional[str] = None,
                      zone_weights: Optional[Sequence[tuple[float, float]]] = None, served_minutes: float = 30.0,
                      low_access: Optional[float] = None, categories: Optional[Sequence[str]] = None,
                      id_field: Optional[str] = None, name_field: Optional[str] = None,
                      zone_field: Optional[str] = None, zones: Optional[Path] = None,
                      zones_key: Optional[str] = None, mode: str = "walk", network: Optional[Network] = None,
                      working_epsg: Optional[int] = None, output: Optional[Path] = None, append: bool = False,
                      progress: Optional[ProgressCallback] = None) -> dict[str, Any]:
    """Accessibility (supply = capacity) and service gaps per category from files: per unit access,
    unserved (no service within ``served_minutes``), low_access (lowest fifth, or under
    ``low_access``), gap_score (unserved + half of the served in the lowest fifth); per zone
    (``zone_field``) sums, worst first. Writes layers accessibility (drawn with ``zones`` polygons
    when given) and gaps_by_zone."""

def suggest_sites(services: Path, demand: Path, population_field: str, category: str, *, sites: int = 3,
                  minutes: float = 30.0, candidates: Optional[Path] = None, id_field: Optional[str] = None,
                  name_field: Optional[str] = None, mode: str = "walk", network: Optional[Network] = None,
                  working_epsg: Optional[int] = None, output: Optional[Path] = None, append: bool = False,
                  progress: Optional[ProgressCallback] = None) -> dict[str, Any]:
    """New sites for ``category`` (MCLP: greedy then interchange) among candidate points (default:
    the demand units) covering the most population not within ``minutes`` of a service: sites,
    gains (persons per site), covered_before, covered_after. Writes layer suggested_sites."""
