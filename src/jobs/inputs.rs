//! The options every job shares: where the services and the demand come
//! from, how people travel, and where the results go.

use super::params::Kind;
use crate::cost::Mode;
use crate::job_options;
use crate::travel_matrix::CostUnit;
use std::path::PathBuf;

job_options! {
    /// The service catalogue.
    pub struct ServicesInput {
        flatten {}
        /// The service catalogue: points, any OGR format (a CSV needs lon/lat columns in WGS 84).
        #[param(kind(Kind::Layer), required(true), geometry("point"), it("Catalogo dei servizi (punti)"))]
        pub services: Option<PathBuf> = None,
        /// Layer of the services file, when it has several.
        #[param(advanced(true), kind(Kind::Text), it("Layer del file dei servizi, se ne ha più d'uno"))]
        pub services_layer: Option<String> = None,
        /// EPSG code of the metric working CRS. Default: the network's, else the UTM zone of the services.
        #[param(advanced(true), kind(Kind::Integer), min(1.0), max(999999.0), it("Codice EPSG del sistema di riferimento metrico di lavoro (predefinito: quello della rete, altrimenti il fuso UTM dei servizi)"))]
        pub working_epsg: Option<u32> = None,
        /// Refuse implausible places (far from all the others, outside the working CRS's area, longitude and latitude apparently swapped) instead of warning.
        #[param(advanced(true), kind(Kind::Bool), it("Rifiuta luoghi non plausibili (lontani da tutti gli altri, fuori dall'area del sistema di riferimento, longitudine e latitudine apparentemente scambiate) invece di avvisare"))]
        pub strict: bool = false,
    }
}

job_options! {
    /// How people travel.
    pub struct TravelInput {
        flatten {}
        /// Travel mode.
        #[param(kind(Kind::Choice), choices(Mode::NAMES), it("Modo di spostamento"))]
        pub mode: Mode = Mode::Walk,
        /// Travel on this road network: a saved .cmnet file, an OSM .pbf file or a line layer. Straight lines (distance x detour factor at the mode's speed) when empty.
        #[param(kind(Kind::File), it("Rete stradale (.cmnet, .pbf OSM o layer di linee); linee rette se vuoto"))]
        pub network: Option<PathBuf> = None,
        /// On a network: a place farther than this from the nearest road is unreachable.
        #[param(advanced(true), kind(Kind::Number), unit("m"), positive(0.0), it("Su una rete: un luogo più lontano di così dalla strada più vicina è irraggiungibile"))]
        pub max_snap_m: f64 = 500.0,
        /// Transit: GTFS feeds (zip files or folders): buses, trains, waterbuses.
        #[param(kind(Kind::Files), it("Trasporto pubblico: feed GTFS (zip o cartelle): autobus, treni, vaporetti"))]
        pub gtfs: Vec<PathBuf> = Vec::new(),
        /// Transit: the service date, YYYY-MM-DD (a weekday the feeds serve).
        #[param(kind(Kind::Text), it("Trasporto pubblico: la data di servizio, AAAA-MM-GG (un giorno feriale servito dai feed)"))]
        pub service_date: Option<String> = None,
        /// Transit: the first departure of the window, HH:MM.
        #[param(kind(Kind::Text), it("Trasporto pubblico: la prima partenza della finestra, HH:MM"))]
        pub departure_time: String = "08:00".to_string(),
        /// Transit: departures every minute for this long; the time reported is a percentile over them.
        #[param(kind(Kind::Integer), unit("min"), min(1.0), max(1440.0), it("Trasporto pubblico: partenze ogni minuto per questa durata"))]
        pub window_minutes: u32 = 120,
        /// Transit: the percentile of the travel times over the window (50 = median; 25 and 75 for the spread).
        #[param(kind(Kind::Number), min(0.0), max(100.0), it("Trasporto pubblico: il percentile dei tempi nella finestra (50 = mediana)"))]
        pub percentile: f64 = 50.0,
        /// Transit: the longest walk of any leg (to, between, from stops); places farther from every stop are unreachable.
        #[param(kind(Kind::Number), unit("m"), min(0.0), max(5000.0), it("Trasporto pubblico: la camminata più lunga di ogni tratto"))]
        pub max_walk_m: f64 = 1000.0,
        /// Transit without a network: walking speed of the walking legs (on a network, its walking graph's). Default: the speed of mode walk.
        #[param(kind(Kind::Number), unit("m/s"), positive(0.0), max(3.0), advanced(true), it("Trasporto pubblico senza rete: velocità dei tratti a piedi (su una rete, quella del suo grafo pedonale; predefinita: quella del modo a piedi)"))]
        pub walk_m_s: Option<f64> = None,
        /// Transit: the most rides (boardings) in one trip.
        #[param(kind(Kind::Integer), min(1.0), max(10.0), advanced(true), it("Trasporto pubblico: il numero massimo di corse in un viaggio"))]
        pub max_rides: usize = 4,
        /// Transit: trips longer than this count as unreachable.
        #[param(kind(Kind::Number), unit("min"), positive(0.0), max(1440.0), advanced(true), it("Trasporto pubblico: i viaggi più lunghi di così sono irraggiungibili"))]
        pub max_trip_minutes: f64 = 120.0,
        /// Your own travel costs instead of a built-in model: a long table (CSV; Parquet from Python) with columns origin_id (a demand id), destination_id (a service or candidate id) and cost, one row per pair; a pair absent from the table is unreachable. E.g. from r5py, OpenTripPlanner or OSRM.
        #[param(kind(Kind::File), it("I propri costi di viaggio al posto di un modello interno: una tabella lunga (CSV; Parquet da Python) con le colonne origin_id (id della domanda), destination_id (id di un servizio o candidato) e cost, una riga per coppia; una coppia assente è irraggiungibile"))]
        pub matrix: Option<PathBuf> = None,
        /// The unit of the matrix's cost column.
        #[param(kind(Kind::Choice), choices(CostUnit::NAMES), it("L'unità della colonna cost della matrice"))]
        pub matrix_cost_unit: CostUnit = CostUnit::Seconds,
    }
}

job_options! {
    /// Where people live: demand units with their population.
    pub struct DemandInput {
        flatten {}
        /// Demand units: points or polygons (a polygon is represented by a point inside it).
        #[param(kind(Kind::Layer), required(true), geometry("point_or_polygon"), it("Unità di domanda (punti o poligoni)"))]
        pub demand: Option<PathBuf> = None,
        /// Layer of the demand file, when it has several.
        #[param(advanced(true), kind(Kind::Text), it("Layer del file della domanda, se ne ha più d'uno"))]
        pub demand_layer: Option<String> = None,
        /// Field of the demand layer with the number of residents. Default: the one numeric field named like a population (population, pop, popolazione, residenti, abitanti, ...); an identifier (fid, id) is refused.
        #[param(kind(Kind::Field), parent("demand"), it("Campo popolazione: il numero di residenti (predefinito: l'unico campo numerico con un nome da popolazione: population, pop, popolazione, residenti, abitanti, ...; un identificativo come fid o id è rifiutato)"))]
        pub population_field: Option<String> = None,
        /// Field of the demand layer with a stable identifier. Default: the feature id.
        #[param(kind(Kind::Field), parent("demand"), it("Campo identificativo (predefinito: id dell'elemento)"))]
        pub id_field: Option<String> = None,
        /// Field of the demand layer with a readable name. Default: a field called name, nome, denominazione, comune or municipality, else the identifier.
        #[param(kind(Kind::Field), parent("demand"), it("Campo del nome (predefinito: un campo chiamato name, nome, denominazione, comune o municipality, altrimenti l'identificativo)"))]
        pub name_field: Option<String> = None,
        /// Field of the demand layer naming the zone (e.g. municipality) that results are summed by and published at. Default: each unit is its own zone.
        #[param(kind(Kind::Field), parent("demand"), it("Campo della zona (es. comune) per cui sommare e pubblicare i risultati (predefinito: ogni unità)"))]
        pub aggregate_by: Option<String> = None,
        /// Polygons that draw the demand units on the map (e.g. municipality boundaries for town-centre points), joined by key.
        #[param(kind(Kind::Layer), geometry("polygon"), it("Poligoni con cui disegnare le unità di domanda (es. confini comunali)"))]
        pub display_polygons: Option<PathBuf> = None,
        /// Layer of the display polygons file, when it has several.
        #[param(advanced(true), kind(Kind::Text), it("Layer del file dei poligoni, se ne ha più d'uno"))]
        pub display_polygons_layer: Option<String> = None,
        /// Field of the display polygons matching the demand identifier.
        #[param(kind(Kind::Field), parent("display_polygons"), it("Campo dei poligoni che corrisponde all'identificativo della domanda"))]
        pub display_polygons_key: Option<String> = None,
    }
}

job_options! {
    /// When people can go: a weekly time window the desks' opening hours are weighed against.
    pub struct WindowInput {
        flatten {}
        /// Only the hours of this window count, in OpenStreetMap opening_hours syntax (Europe/Rome wall-clock), e.g. "Mo-Fr 17:00-20:00; Sa 09:00-13:00": each desk's capacity is scaled by the share of the window it is open, and desks closed for the whole window are left out. Every hour counts when empty.
        #[param(kind(Kind::Text), it("Contano solo le ore di questa finestra, nella sintassi opening_hours di OpenStreetMap (ora di Roma), es. \"Mo-Fr 17:00-20:00; Sa 09:00-13:00\": la capacità di ogni sportello è moltiplicata per la quota della finestra in cui è aperto e gli sportelli chiusi per tutta la finestra sono esclusi. Vuoto: contano tutte le ore"))]
        pub open_during: Option<String> = None,
        /// The week the window is taken in: any date of it, YYYY-MM-DD (Monday to Sunday; public holidays are not known). Default: the current week.
        #[param(advanced(true), kind(Kind::Text), it("La settimana della finestra: una sua data qualsiasi, AAAA-MM-GG (da lunedì a domenica; le festività non sono note). Predefinita: la settimana corrente"))]
        pub week_of: Option<String> = None,
    }
}

job_options! {
    /// Where the results go.
    pub struct OutputOptions {
        flatten {}
        /// GeoPackage to write (through a temporary file moved into place). Nothing is written when empty.
        #[param(kind(Kind::Output), it("GeoPackage da scrivere"))]
        pub output: Option<PathBuf> = None,
        /// Add the layers to an existing output GeoPackage instead of replacing the file.
        #[param(advanced(true), kind(Kind::Bool), it("Aggiungi i layer a un GeoPackage esistente invece di sostituirlo"))]
        pub append: bool = false,
    }
}
