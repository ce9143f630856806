//! Wrapper of [`crate::index::FacilityIndex`] over numpy arrays.

use super::error::{parameter, IntoPyResult};
use super::progress::PyProgress;
use crate::catalogue::{split_list, vocabulary, CategorySet};
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray2};
use pyo3::prelude::*;

/// The most (query, neighbour) cells one `nearest` call may return: 2 GiB of answers.
const MAX_ANSWER_CELLS: u128 = 1 << 27;

/// Rows of an (n, 2) array as points.
pub fn points(array: &PyReadonlyArray2<'_, f64>, name: &str) -> PyResult<Vec<[f64; 2]>> {
    let view = array.as_array();
    if view.ncols() != 2 {
        return Err(parameter(name, format!("expected an (n, 2) array of x, y; got {} columns", view.ncols())));
    }
    Ok(view.rows().into_iter().map(|r| [r[0], r[1]]).collect())
}

/// Category lists (`"legal;health"` each) as sets.
pub fn category_sets(categories: Option<Vec<String>>, n: usize) -> PyResult<Vec<CategorySet>> {
    let Some(lists) = categories else { return Ok(Vec::new()) };
    if lists.len() != n {
        return Err(parameter("categories", format!("{} category lists for {n} points", lists.len())));
    }
    lists.iter().map(|l| vocabulary().parse_set(split_list(l)).map_err(|m| parameter("categories", m))).collect()
}

/// A category id as its index.
pub fn category_index(category: Option<&str>) -> PyResult<Option<usize>> {
    category
        .map(|c| vocabulary().index_of(c).ok_or_else(|| parameter("category", format!("unknown category '{c}'"))))
        .transpose()
}

/// R-tree over service points (metres), with an optional category per point.
#[pyclass(module = "capacitymetro._core", frozen)]
pub struct FacilityIndex {
    inner: crate::index::FacilityIndex,
}

#[pymethods]
impl FacilityIndex {
    #[new]
    #[pyo3(signature = (xy, categories=None))]
    fn new(py: Python<'_>, xy: PyReadonlyArray2<'_, f64>, categories: Option<Vec<String>>) -> PyResult<Self> {
        let points = points(&xy, "xy")?;
        let sets = category_sets(categories, points.len())?;
        Ok(FacilityIndex { inner: crate::index::FacilityIndex::new(points, sets).py_err(py)? })
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    #[pyo3(signature = (xy, k=1, category=None, progress=None))]
    fn nearest<'py>(
        &self,
        py: Python<'py>,
        xy: PyReadonlyArray2<'_, f64>,
        k: i64,
        category: Option<&str>,
        progress: Option<Bound<'py, PyAny>>,
    ) -> PyResult<(Bound<'py, PyArray2<i64>>, Bound<'py, PyArray2<f64>>)> {
        if k < 1 {
            return Err(parameter("k", "must be at least 1"));
        }
        let queries = points(&xy, "xy")?;
        // the answer is a queries x k table (padded with -1): bound its memory up front
        let cells = (queries.len() as u128).saturating_mul(k as u128);
        if cells > MAX_ANSWER_CELLS {
            let gib = cells as f64 * 16.0 / (1u64 << 30) as f64;
            return Err(parameter(
                "k",
                format!("{k} neighbours for {} points need {gib:.0} GiB; ask for fewer", queries.len()),
            ));
        }
        let k = k as usize;
        let category = category_index(category)?;
        let reporter = PyProgress::new(progress);
        let result =
            super::options::contained(|| self.inner.k_nearest_many(&queries, k, category, &reporter)).py_err(py);
        let (services, distances) = reporter.finish(result)?;
        let shape = (queries.len(), k);
        let services = Array2::from_shape_vec(shape, services).expect("n * k values");
        let distances = Array2::from_shape_vec(shape, distances).expect("n * k values");
        Ok((services.into_pyarray(py), distances.into_pyarray(py)))
    }

    #[pyo3(signature = (xy, max_distance_m, category=None))]
    fn within<'py>(
        &self,
        py: Python<'py>,
        xy: PyReadonlyArray2<'_, f64>,
        max_distance_m: f64,
        category: Option<&str>,
    ) -> PyResult<Vec<(Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<f64>>)>> {
        if !(max_distance_m.is_finite() && max_distance_m >= 0.0) {
            return Err(parameter("max_distance_m", "must be a finite distance >= 0"));
        }
        let queries = points(&xy, "xy")?;
        let category = category_index(category)?;
        let silent = &crate::progress::Silent;
        let found = super::options::contained(|| self.inner.within_many(&queries, max_distance_m, category, silent))
            .py_err(py)?;
        Ok(found
            .into_iter()
            .map(|row| {
                let services: Vec<i64> = row.iter().map(|f| f.service as i64).collect();
                let distances: Vec<f64> = row.iter().map(|f| f.distance_m).collect();
                (services.into_pyarray(py), distances.into_pyarray(py))
            })
            .collect())
    }
}
