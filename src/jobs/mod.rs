//! File-to-file jobs: what the Python API, the command line and the QGIS
//! plugin run. One file per job, each with its options struct (the only
//! place its defaults live) and its output layers; all of them start from
//! the one [`prepare`] step.

pub mod accessibility;
pub mod coverage;
pub mod inputs;
pub mod needs;
pub mod network;
pub mod params;
pub mod prepare;
pub mod siting;
pub mod travel_areas;
pub mod web;

pub use accessibility::{run_accessibility, AccessibilityOptions, AccessibilityReport, IndexOptions};
pub use coverage::{run_coverage, CoverageOptions, CoverageReport};
pub use inputs::{DemandInput, OutputOptions, ServicesInput, TravelInput, WindowInput};
pub use needs::{run_needs, NeedsOptions, NeedsReport};
pub use network::{run_network_build, NetworkBuildOptions};
pub use params::{JobOptions, Kind, Parameter};
pub use prepare::{prepare, Prepared};
pub use siting::{run_siting, SitingOptions, SitingReport};
pub use travel_areas::{run_travel_areas, TravelAreasOptions, TravelAreasReport};
pub use web::{run_web_data, WebDataOptions, WebDataReport};

use serde::Serialize;

/// A job's name, what it does (English and Italian) and its parameters.
#[derive(Debug, Clone, Serialize)]
pub struct JobSpec {
    pub name: &'static str,
    pub title_en: &'static str,
    pub title_it: &'static str,
    pub help_en: &'static str,
    pub help_it: &'static str,
    pub parameters: Vec<Parameter>,
}

/// Every job, in the order menus list them. `accessibility` and `gaps`
/// are one job whose reports differ.
pub fn job_specs() -> Vec<JobSpec> {
    vec![
        JobSpec {
            name: "coverage",
            title_en: "Nearest service",
            title_it: "Servizio più vicino",
            help_en: "For each demand unit and category: the nearest service, its travel distance (m) and time (min), and the number of services within the time given; the population reached per category and zone. Polygons are represented by a point inside them. A time equal to the limit counts as within.",
            help_it: "Per ogni unità di domanda e categoria: il servizio più vicino, la distanza (m) e il tempo (min) per raggiungerlo e il numero di servizi entro il tempo dato; la popolazione raggiunta per categoria e zona. I poligoni sono rappresentati da un punto interno. Un tempo uguale al limite conta come entro.",
            parameters: CoverageOptions::parameters(),
        },
        JobSpec {
            name: "travel_areas",
            title_en: "Travel areas",
            title_it: "Aree di percorrenza",
            help_en: "For each service, the area from which it is reached within each time band, on a road network (time surface on a grid, contoured; not a hull).",
            help_it: "Per ogni servizio, l'area da cui lo si raggiunge entro ciascuna fascia di tempo, su una rete stradale (superficie dei tempi su griglia, poi isolinee; non un inviluppo).",
            parameters: TravelAreasOptions::parameters(),
        },
        JobSpec {
            name: "accessibility",
            title_en: "Accessibility and service gaps",
            title_it: "Accessibilità e carenze di servizio",
            help_en: "Floating-catchment accessibility per category, with service capacity as supply and population as demand: 2SFCA (Luo and Wang 2003), E2SFCA (Luo and Qi 2009), 3SFCA (Wan, Zou and Sternberg 2012) or gravity (Shen 1998); and per category the population with no service within the time, in the lowest fifth by accessibility, and a gap score, summed and ranked by zone.",
            help_it: "Accessibilità a bacino mobile per categoria, con la capacità dei servizi come offerta e la popolazione come domanda: 2SFCA (Luo e Wang 2003), E2SFCA (Luo e Qi 2009), 3SFCA (Wan, Zou e Sternberg 2012) o gravitazionale (Shen 1998); e per categoria la popolazione senza servizi entro il tempo, quella nel quinto più basso di accessibilità e un punteggio di carenza, sommati e ordinati per zona.",
            parameters: AccessibilityOptions::parameters(),
        },
        JobSpec {
            name: "siting",
            title_en: "Suggest new sites",
            title_it: "Suggerisci nuove sedi",
            help_en: "New sites for a category, chosen from candidate points (default: the demand units) to cover the most population not yet within the time of a service: the Maximal Covering Location Problem (Church and ReVelle 1974), greedy with interchange.",
            help_it: "Nuove sedi per una categoria, scelte tra punti candidati (predefinito: le unità di domanda) per coprire la popolazione più numerosa non ancora entro il tempo da un servizio: Maximal Covering Location Problem (Church e ReVelle 1974), greedy con scambi.",
            parameters: SitingOptions::parameters(),
        },
        JobSpec {
            name: "needs",
            title_en: "Needs analysis",
            title_it: "Analisi dei bisogni",
            help_en: "From the desks' anonymised request records: flows from zones of residence to desks with their travel times, requests that bypass the nearest desk (by language), observed request rates beside the modelled accessibility and gap, unmet and referred requests with the referral network, requesters' languages against those offered, monthly series, and the distance decay fitted to the flows. Every count below the minimum is suppressed, with secondary suppression so that totals cannot give it back.",
            help_it: "Dalle richieste anonimizzate degli sportelli: flussi dalle zone di residenza agli sportelli con i tempi di viaggio, richieste che scavalcano lo sportello più vicino (per lingua), tassi di richiesta osservati accanto all'accessibilità e alla carenza modellate, richieste non soddisfatte e inviate altrove con la rete degli invii, lingue dei richiedenti rispetto a quelle offerte, serie mensili e il decadimento con la distanza stimato dai flussi. Ogni conteggio sotto il minimo è soppresso, con soppressione secondaria perché i totali non lo rivelino.",
            parameters: NeedsOptions::parameters(),
        },
        JobSpec {
            name: "web_data",
            title_en: "Publish the public page",
            title_it: "Pubblica la pagina pubblica",
            help_en: "Writes the public page (the bussola): the desks of a results GeoPackage, the places a person can start from, and per desk a grid of travel times from the cost model in use, in a folder any web server can host.",
            help_it: "Scrive la pagina pubblica (la bussola): gli sportelli di un GeoPackage dei risultati, i luoghi da cui partire e per ogni sportello una griglia dei tempi di viaggio dal modello in uso, in una cartella che qualsiasi server web può ospitare.",
            parameters: WebDataOptions::parameters(),
        },
        JobSpec {
            name: "network_build",
            title_en: "Build road network",
            title_it: "Costruisci la rete stradale",
            help_en: "Builds walk, bike and car graphs from an OpenStreetMap .pbf file or a line layer and saves them (.cmnet). A saved network is rebuilt by itself when its source file changes.",
            help_it: "Costruisce i grafi a piedi, in bici e in auto da un file .pbf di OpenStreetMap o da un layer di linee e li salva (.cmnet). Una rete salvata si ricostruisce da sé quando il file di origine cambia.",
            parameters: NetworkBuildOptions::parameters(),
        },
    ]
}

/// Writes layers to a new GeoPackage, or adds them to an existing one; with
/// a time window, each layer's abstract says which.
fn write(
    path: &std::path::Path,
    append: bool,
    layers: &mut [crate::output::OutputLayer],
    crs: &crate::crs::WorkingCrs,
    window: Option<&crate::opening::Window>,
) -> crate::Result<()> {
    if let Some(window) = window {
        for layer in layers.iter_mut() {
            let schema = &mut layer.schema;
            schema.abstract_it.push_str(&format!(
                " Sportelli pesati per la quota della finestra «{}» (settimana dal {}) in cui sono aperti.",
                window.text, window.monday
            ));
            schema.abstract_en.push_str(&format!(
                " Desks weighed by the share of the window '{}' (week of {}) they are open.",
                window.text, window.monday
            ));
        }
    }
    if append {
        crate::output::add_to_geopackage(path, layers, crs)
    } else {
        crate::output::write_geopackage(path, layers, crs)
    }
}

/// Delivers a job's layers, built by `build` only when something takes
/// them: written to the GeoPackage its `output` option names (see
/// [`write`]), and handed over as columns to `memory` when the caller takes
/// them in memory. Returns their names; none when nothing takes them.
pub(crate) fn deliver(
    output: &OutputOptions,
    crs: &crate::crs::WorkingCrs,
    window: Option<&crate::opening::Window>,
    memory: Option<&mut Vec<crate::output::LayerColumns>>,
    build: impl FnOnce() -> Vec<crate::output::OutputLayer>,
) -> crate::Result<Vec<String>> {
    if output.output.is_none() && memory.is_none() {
        return Ok(Vec::new());
    }
    let mut layers = build();
    if let Some(memory) = memory {
        for layer in &layers {
            memory.push(crate::output::LayerColumns::new(layer, crs)?);
        }
    }
    if let Some(path) = &output.output {
        write(path, output.append, &mut layers, crs, window)?;
    }
    Ok(layers.iter().map(|l| l.schema.name.clone()).collect())
}

/// Seconds from a number of minutes.
pub(crate) fn seconds(minutes: f64) -> f64 {
    minutes * 60.0
}

/// A required option, or an error naming it.
pub(crate) fn required<'a, T>(value: &'a Option<T>, name: &str) -> crate::Result<&'a T> {
    value.as_ref().ok_or_else(|| crate::Error::parameter(name, "is required"))
}

/// Checks every value of an options struct against its table (for
/// options built in Rust rather than through [`JobOptions::from_values`]).
pub(crate) fn check<T: JobOptions>(options: &T) -> crate::Result<()> {
    let values = serde_json::to_value(options).map_err(|e| crate::Error::parameter("options", e.to_string()))?;
    let table = T::parameters();
    for parameter in &table {
        parameter.check(&values[parameter.name])?;
    }
    // an output that is one of the inputs would destroy it: refuse before any work
    let paths = |kinds: &[Kind]| -> Vec<(&'static str, std::path::PathBuf)> {
        table
            .iter()
            .filter(|p| kinds.contains(&p.kind))
            .flat_map(|p| {
                let value = &values[p.name];
                let list = value.as_array().cloned().unwrap_or_else(|| vec![value.clone()]);
                list.into_iter().filter_map(move |v| v.as_str().map(|s| (p.name, std::path::PathBuf::from(s))))
            })
            .collect()
    };
    let resolved = |path: &std::path::Path| path.canonicalize().ok();
    for (output, out_path) in paths(&[Kind::Output, Kind::Folder]) {
        let Some(out_real) = resolved(&out_path) else { continue };
        for (input, in_path) in paths(&[Kind::Layer, Kind::File, Kind::Files]) {
            if resolved(&in_path).is_some_and(|r| r == out_real) {
                return Err(crate::Error::parameter(
                    output,
                    format!(
                        "{} is also the input '{input}': writing it would destroy it; choose another file",
                        out_path.display()
                    ),
                ));
            }
        }
    }
    Ok(())
}
