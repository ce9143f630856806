"""GeoDataFrames in and out: every job over GeoPandas.

Each function takes the job's options as keywords (the names of
``job_specs()``, nothing restated here); any layer option (``services``,
``demand``, ``display_polygons``, ``candidates``, ...) may be a GeoDataFrame
or a file, and ``matrix`` may be a data frame with columns ``origin_id``,
``destination_id`` and ``cost`` (see :func:`capacitymetro.coverage`). It
returns the job's layers as GeoDataFrames (tables without geometry as
DataFrames), keyed by layer name, in the CRS of the first GeoDataFrame given
(``crs="working"`` keeps the metric working CRS of the analysis, any other
value is a CRS to reproject to).

Input geometry goes to the core as WKB (``shapely.to_wkb``) with the
attribute columns, into a layer held in GDAL's memory (``/vsimem/``); the
job's layers come back from the core in memory too (``_core.job_layers``),
geometry as WKB (``shapely.from_wkb``) in the working CRS, with the values
their GeoPackage would hold: no file is written. Columns have the dtypes
GeoPandas gives when reading that GeoPackage: floats (NaN for null),
integers (floats with NaN when some are null), text (dates included, as
the GeoPackage stores them).

Needs ``pip install capacitymetro[geo]`` (geopandas).
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any, Callable, Dict, Optional, Union

import numpy as np

from . import _core

try:  # the optional extra
    import geopandas as gpd
    import pandas as pd
    import shapely
except ImportError as error:  # pragma: no cover - exercised without the extra
    raise ImportError("capacitymetro.geo needs geopandas: pip install 'capacitymetro[geo]'") from error

__all__ = [
    "accessibility_gdf",
    "coverage_gdf",
    "gaps_gdf",
    "memory_layer",
    "run_job_gdf",
    "sites_gdf",
    "travel_areas_gdf",
]

Layers = Dict[str, Union["gpd.GeoDataFrame", "pd.DataFrame"]]

def _column(series: "pd.Series") -> np.ndarray:
    """A column as the core takes it: numbers (NaN for missing), else objects (None for missing)."""
    types = pd.api.types
    if types.is_bool_dtype(series) and not series.hasnans:
        return series.to_numpy(dtype="int64")
    if types.is_numeric_dtype(series) and not types.is_bool_dtype(series):
        if series.hasnans:
            return series.to_numpy(dtype="float64", na_value=np.nan)
        return series.to_numpy()
    return series.to_numpy(dtype=object, na_value=None)


def _crs_text(crs: Any) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.to_wkt()


def memory_layer(name: str, frame: "gpd.GeoDataFrame") -> "_core.MemoryLayer":
    """A GeoDataFrame as a layer held in memory (its ``path`` goes to any
    job); close it (or use ``with``) when done."""
    if frame.crs is None:
        raise _core.InputError(f"layer '{name}': the GeoDataFrame has no CRS; set one with set_crs(...)")
    geometry = np.asarray(frame.geometry.values, dtype=object)
    wkb = shapely.to_wkb(geometry)
    columns = {str(c): _column(frame[c]) for c in frame.columns if c != frame.geometry.name}
    return _core.memory_layer(name, _crs_text(frame.crs), list(wkb), columns)


def _layer_parameters(job: str) -> list:
    """The job's layer options (none for a name that is not a job: the core refuses it)."""
    return [p["name"] for s in _core.job_specs() if s["name"] == job for p in s["parameters"] if p["kind"] == "layer"]


def _frame(layer: dict, crs: Any) -> Union["gpd.GeoDataFrame", "pd.DataFrame"]:
    """A layer from ``_core.job_layers`` as a GeoDataFrame (a DataFrame for a table), reprojected to ``crs``."""
    wkb = layer["wkb"]
    if wkb is None:
        return pd.DataFrame(layer["columns"])
    frame = gpd.GeoDataFrame(pd.DataFrame(layer["columns"], index=pd.RangeIndex(len(wkb))),
                             geometry=shapely.from_wkb(np.asarray(wkb, dtype=object)), crs=layer["crs"])
    return frame.to_crs(crs) if crs is not None else frame


def run_job_gdf(job: str, *, crs: Any = "input", progress: Optional[Callable] = None, with_report: bool = False, **options: Any):
    """Runs a job (``coverage``, ``accessibility``, ``siting``,
    ``travel_areas``, ``needs``) with GeoDataFrames for any of its layer
    options; returns its layers as GeoDataFrames by name (and the job's
    report too, as ``(layers, report)``, when ``with_report``)."""
    if options.get("output") is not None:
        raise _core.InputError("parameter 'output': the layers are returned; leave output out (or call the job itself)")
    first_crs = None
    with ExitStack() as stack:
        for name in _layer_parameters(job):
            value = options.get(name)
            if isinstance(value, gpd.GeoDataFrame):
                first_crs = first_crs if first_crs is not None else value.crs
                layer = stack.enter_context(memory_layer(name, value))
                options[name] = layer.path
        report, taken = _core.job_layers(job, progress=progress, **options)
    target = {"input": first_crs, "working": None}.get(crs, crs) if isinstance(crs, str) else crs
    layers: Layers = {layer["name"]: _frame(layer, target) for layer in taken}
    return (layers, report) if with_report else layers


def coverage_gdf(services: Any, demand: Any, **options: Any):
    """The coverage job ("nearest service") over GeoDataFrames or files:
    layers ``services``, ``coverage`` (per demand unit), ``coverage_by_zone``
    (with ``aggregate_by``) and ``summary``."""
    return run_job_gdf("coverage", services=services, demand=demand, **options)


def accessibility_gdf(services: Any, demand: Any, **options: Any):
    """The accessibility and gaps job over GeoDataFrames or files: layers
    ``accessibility`` (per demand unit: index, unserved, low access, gap
    score per category) and ``gaps_by_zone``."""
    return run_job_gdf("accessibility", services=services, demand=demand, **options)


def gaps_gdf(services: Any, demand: Any, **options: Any):
    """Service gaps: the accessibility job's layers (``gaps_by_zone`` summed
    by zone, and ``accessibility`` per unit), over GeoDataFrames or files."""
    return run_job_gdf("accessibility", services=services, demand=demand, **options)


def sites_gdf(services: Any, demand: Any, category: str, **options: Any):
    """New sites for a category (the siting job) over GeoDataFrames or
    files, ``candidates`` included: layer ``suggested_sites``."""
    return run_job_gdf("siting", services=services, demand=demand, category=category, **options)


def travel_areas_gdf(services: Any, **options: Any):
    """Travel areas of each service (needs a network or transit) over a
    GeoDataFrame or file: layer ``travel_areas``."""
    return run_job_gdf("travel_areas", services=services, **options)
