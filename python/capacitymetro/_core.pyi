"""Typed interface of the compiled core (``capacitymetro._core``).

Units: metres and seconds, coordinates in a metric working CRS, except
parameters named ``minutes``. A cost exactly equal to a threshold is inside.
"""

from os import PathLike
from typing import Any, Callable, Literal, Optional, Sequence, TypedDict, Union, final

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

class InternalError(CapacityMetroError):
    """A bug in CapaCityMetro (the core stopped where it should not have); the
    message asks for a report."""

class CapacityMetroWarning(UserWarning):
    """Input accepted but implausible: features far from all the others,
    outside the working CRS's area of use, or with longitude and latitude
    apparently swapped. ``strict=True`` (CLI ``--strict``) refuses it."""

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

@final
class FacilityIndex:
    """R-tree over service points (metres), one tree per category."""

    def __new__(cls, xy: npt.NDArray[np.float64], categories: Optional[Sequence[str]] = None) -> "FacilityIndex":
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
    mode: Optional[str] = None,
    count_within_minutes: Optional[float] = None,
    categories: Optional[Sequence[str]] = None,
    speed_m_s: Optional[float] = None,
    detour_factor: Optional[float] = None,
    progress: Optional[ProgressCallback] = None,
) -> dict[str, CategoryCoverage]:
    """Coverage over arrays in a metric CRS with the straight-line model
    (distance x detour factor at the mode's speed). Defaults: those of the
    coverage job (see ``job_specs()``). Per category: ``nearest_service``
    (index, None when none), ``nearest_distance_m``, ``nearest_time_s``
    (inf when none) and ``count_within`` (services within
    ``count_within_minutes``, inclusive)."""

def is_open(opening_hours: str, local_time: str) -> bool:
    """Whether a desk with these OpenStreetMap ``opening_hours`` is open at a
    wall-clock time ``YYYY-MM-DDTHH:MM`` (Europe/Rome for the catalogue)."""

def opening_hours_problem(opening_hours: str) -> Optional[str]:
    """Why one OpenStreetMap ``opening_hours`` value does not parse (the
    parser's first line), or None when it does. An empty value parses: the
    catalogue field is optional. The catalogue validation uses the same test."""

def opening_hours_text(opening_hours: str, language: str, week_of: Optional[str] = None) -> str:
    """The open times of these ``opening_hours`` in words, over the week
    (Monday to Sunday) holding ``week_of`` (``YYYY-MM-DD``, default today),
    in ``language`` (it, en, fr, ar, bn, uk, zh): days with the same times
    together, times as ``HH:MM–HH:MM`` wall-clock (the end of a day as
    24:00); a week with no open time is the word for closed. ``unknown``
    times count as closed. Raises InputError on an unparsable value, an
    empty one, a bad date or another language."""

class CatalogueSchema(TypedDict):
    fields: list[str]
    operator_kind: list[str]
    wheelchair: list[str]
    languages: list[str]

def catalogue_schema() -> CatalogueSchema:
    """What a catalogue layer holds: its ``fields`` in order, the values of
    ``operator_kind`` and ``wheelchair`` (as OpenStreetMap's tag), and the
    ``languages`` codes it accepts (ISO 639-1, alphabetical)."""

def web_data(results: Path, output_dir: Path, *, progress: Optional[ProgressCallback] = None,
             **options: Any) -> dict[str, Any]:
    """Writes the public page's data (desks, places, travel-time grids,
    meta.json) into ``output_dir/data``; options as ``job_specs()``
    "web_data". ``capacitymetro.publish.web.publish_web`` adds the privacy
    step and the page itself."""

def transit_times(
    origins_xy: npt.NDArray[np.float64],
    destinations_xy: npt.NDArray[np.float64],
    working_epsg: int,
    *,
    progress: Optional[ProgressCallback] = None,
    **options: Any,
) -> dict[str, npt.NDArray[Any]]:
    """Transit travel times between points in a metric CRS: GTFS feeds
    (``gtfs``) routed with RAPTOR for each minute of the window
    (``departure_time``, ``window_minutes``), walking legs straight line x
    1.3 at 1.25 m/s and none longer than ``max_walk_m``. Returns
    ``departures_s``, ``travel_time_s`` (departure x origin x destination,
    seconds, inf beyond ``max_trip_minutes``) and ``percentile_s`` (origin x
    destination, the ``percentile`` over the window, nearest rank)."""

def job_specs() -> list[dict[str, Any]]:
    """Every job, in the order menus list them, with its name, title, help
    (English and Italian) and parameters: name, kind, default, required, unit, choices,
    parent layer of a field, geometry of a layer, limits, advanced flag,
    help in English and Italian. The one definition the CLI and the QGIS
    plugin are made from."""

def coverage(
    services: Path,
    demand: Path,
    population_field: Optional[str] = None,
    *,
    progress: Optional[ProgressCallback] = None,
    **options: Any,
) -> dict[str, Any]:
    """Coverage job: per demand unit and category, the nearest service
    (metres, seconds) and the services within ``count_within_minutes``; per
    zone and category the population reached; per category the population
    within each of ``summary_minutes``. Writes ``output`` when given (the
    layers are listed in ``layers``). Options and defaults:
    ``job_specs()`` "coverage". A ``network`` is a Network or a path.

    ``matrix`` (every analysis: coverage, accessibility, siting, needs) is
    the analyst's own travel costs instead of a built-in model: a long table
    with columns ``origin_id`` (demand ids), ``destination_id`` (service or
    candidate ids) and ``cost`` (``matrix_cost_unit``: ``seconds``, the
    default, or ``minutes``), given as a CSV path, a Parquet path (read with
    pyarrow), or a mapping of three arrays / a data frame. A pair absent
    from the table is unreachable; unmatched ids, duplicate pairs and
    negative or NaN costs raise InputError naming the table, row and field.
    Nearest distances are NaN on a matrix (it gives times only)."""

@final
class MemoryLayer:
    """A layer held in GDAL's memory file system (``/vsimem/``), readable by
    every job through ``path`` until closed (also a context manager)."""

    @property
    def path(self) -> str:
        """The path to give as a layer option, e.g. ``services=layer.path``."""
    def close(self) -> None:
        """Frees the layer."""
    def __enter__(self) -> "MemoryLayer": ...
    def __exit__(self, *args: Any) -> bool: ...

def memory_layer(name: str, crs: str, wkb: Any, columns: dict[str, Any]) -> MemoryLayer:
    """A layer from WKB geometries (``bytes``, or None for no geometry; e.g.
    ``shapely.to_wkb``) in ``crs`` (``EPSG:n``, WKT or PROJ JSON) and
    attribute columns (name -> sequence as long as ``wkb``; numbers stay
    numbers, lists are joined with ``;``, anything else becomes text), held
    in memory without a file on disk. ``capacitymetro.geo`` makes them
    from GeoDataFrames."""

class JobLayer(TypedDict):
    """One layer of a job, in memory: what its GeoPackage table holds."""

    name: str
    #: ``EPSG:n``, the working CRS; None for a table without geometry.
    crs: Optional[str]
    #: Per row the geometry as WKB (None: no geometry); None for a table.
    wkb: Optional[list[Optional[bytes]]]
    #: Field name -> values, in the layer's order: real numbers as a float64
    #: array (NaN for null); integers as an int64 array, or a float64 one
    #: (NaN for null) when some are null; text (dates too, as stored) as an
    #: object array of str or None.
    columns: dict[str, npt.NDArray[Any]]

def job_layers(
    job: str, *, progress: Optional[ProgressCallback] = None, **options: Any
) -> tuple[dict[str, Any], list[JobLayer]]:
    """Runs a job (``coverage``, ``accessibility``, ``siting``,
    ``travel_areas``, ``needs``) with its options as keywords (as the job's
    own function takes them; see ``job_specs()``) and returns ``(report,
    layers)``: the report as the job's function returns it, and its layers
    in memory, in the order ``report["layers"]`` names them, without a file
    (also written to ``output`` when that is given). ``capacitymetro.geo``
    makes GeoDataFrames of them."""

@final
class Network:
    """A road network: one directed graph per mode (walk, bike, car) in a metric CRS (``epsg``)."""

    epsg: int

    @staticmethod
    def build(source: Path, **options: Any) -> "Network":
        """Builds from an OSM .pbf file or an OGR line layer; options as
        ``job_specs()`` "network_build" (less ``output``)."""
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

def travel_areas(
    services: Path,
    network: Optional[Union[Network, Path]] = None,
    *,
    progress: Optional[ProgressCallback] = None,
    **options: Any,
) -> dict[str, Any]:
    """Travel areas (isochrone bands, minutes) of each service on a network;
    options as ``job_specs()`` "travel_areas". Returns ``areas`` (service,
    category, minutes, polygons in the working CRS), ``unreachable_services``,
    ``surfaces`` (with ``keep_surfaces``: x0, y0, cell_m in metres and
    ``times_s`` rows from the south, seconds) and ``layers``."""

def needs(
    requests: Path,
    services: Path,
    demand: Path,
    *,
    progress: Optional[ProgressCallback] = None,
    **options: Any,
) -> dict[str, Any]:
    """Needs analysis from anonymised request records (fields date, desk_id,
    category, residence, language, nationality_group, outcome, referred_to;
    any other field is refused); options as ``job_specs()`` "needs". Returns
    ``records``, ``languages``, ``suppressed`` (counts hidden by the
    disclosure rule), ``decay`` (the exponential decay fitted to the flows:
    ``decay_minutes`` and its ``standard_error_minutes``), ``timings_s``,
    ``zones`` (per zone and category with published requests) and ``layers``."""

def protect_table(cells: list[list[float]], k: float = 10.0) -> tuple[list[list[float]], list[list[bool]]]:
    """The disclosure rule on a table of counts: ``(counts, suppressed)``,
    each ``rows + 1`` lists of ``columns + 1`` (last column the row totals,
    last row the column totals). Counts above zero and below ``k`` are
    suppressed, then whatever the totals would give back."""

def accessibility_arrays(
    demand_index: npt.NDArray[np.int64],
    service_index: npt.NDArray[np.int64],
    cost_s: npt.NDArray[np.float64],
    supply: npt.NDArray[np.float64],
    demand: npt.NDArray[np.float64],
    **options: Any,
) -> dict[str, npt.NDArray[np.float64]]:
    """An accessibility index over a cost table (per pair: demand index,
    service index, cost in seconds). Options: ``method``,
    ``catchment_minutes``, ``e2sfca_steps``, ``decay``, ``decay_minutes``,
    ``decay_exponent``, as for the accessibility job. Returns ``access``
    (A_i) and ``ratio`` (R_j). A cost equal to the catchment is inside."""

def accessibility_job(
    services: Path,
    demand: Path,
    population_field: Optional[str] = None,
    *,
    progress: Optional[ProgressCallback] = None,
    **options: Any,
) -> dict[str, Any]:
    """Accessibility (2SFCA, E2SFCA, 3SFCA, gravity) and service gaps per
    category; options as ``job_specs()`` "accessibility". Per category:
    ``access``, ``unserved``, ``low_access``, ``gap_score`` per unit and
    ``by_zone`` (zone, unserved, low access, gap score), worst first."""

def suggest_sites(
    services: Path,
    demand: Path,
    population_field: Optional[str] = None,
    category: Optional[str] = None,
    *,
    progress: Optional[ProgressCallback] = None,
    **options: Any,
) -> dict[str, Any]:
    """New sites for a category: ``model`` mclp, lscp, pmedian or
    capacitated_pmedian, solved exactly with HiGHS from a greedy plus
    interchange start (``exact=False``: the heuristic only; stopped after
    ``time_limit_seconds``); options as ``job_specs()`` "siting". Returns the
    chosen ``sites`` (labels, the site serving most first), ``site_index``,
    ``xy`` (metres), ``gains`` (people newly covered or served per site),
    ``covered_before``, ``covered_after``, ``population_total`` and
    ``solution``: ``model``, ``method`` (exact, time_limit, heuristic),
    ``proven_optimal``, ``mip_gap``, ``solve_time_s``, ``objective`` and
    ``heuristic_objective`` (people covered, sites, or person-minutes),
    ``heuristic_sites``, ``mean_minutes`` (p-median),
    ``unreachable_population``, ``summary_it``, ``summary_en``."""

def location_arrays(
    demand_index: npt.NDArray[np.int64],
    facility_index: npt.NDArray[np.int64],
    cost_s: npt.NDArray[np.float64],
    weights: npt.NDArray[np.float64],
    candidates: int,
    existing: int = 0,
    capacity: Optional[npt.NDArray[np.float64]] = None,
    *,
    model: Literal["mclp", "lscp", "pmedian", "capacitated_pmedian"] = "mclp",
    new_sites: int = 3,
    cutoff_s: float = 1800.0,
    unreached_cost_s: float = 7200.0,
    exact: bool = True,
    time_limit_s: float = 60.0,
) -> dict[str, Any]:
    """A location model over a cost table: per-pair arrays of demand index,
    facility index and cost (seconds, or any unit the cut-offs share; a pair
    left out is out of reach). Facilities ``0..candidates`` are candidates,
    the next ``existing`` are open already. MCLP and LSCP cover within
    ``cutoff_s`` (``<=``); the p-median models count ``unreached_cost_s`` for
    a unit no open site reaches; ``capacity`` (one per facility, in weight
    units) is for capacitated_pmedian. Solved exactly with HiGHS from a
    greedy plus interchange start (``exact=False``: the heuristic only).
    Returns ``sites`` (candidate indices), ``objective`` (weight covered,
    sites, or weight x cost), ``method`` (exact, time_limit, heuristic),
    ``proven_optimal``, ``mip_gap``, ``solve_time_s``, ``heuristic_sites``,
    ``heuristic_objective``, ``served`` (weight per site) and
    ``unreachable_weight``."""

def build_network(source: Path, output: Path, **options: Any) -> dict[str, Any]:
    """Builds and saves a network unless ``output`` holds one built the same
    way from the same, unchanged source; ``status`` is built, rebuilt or
    up_to_date; ``info`` its size per mode."""
