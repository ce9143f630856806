<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="it_IT">
<context>
    <name>CapaCityMetro</name>
    <message>
        <source>numbers separated by commas (pairs as minutes:weight)</source>
        <translation>numeri separati da virgole (coppie come minuti:peso)</translation>
    </message>
    <message>
        <source>Publish the public page</source>
        <translation>Pubblica la pagina pubblica</translation>
    </message>
    <message>
        <source>paths separated by ;</source>
        <translation>percorsi separati da ;</translation>
    </message>
    <message>
        <source>Accessibility index</source>
        <translation>Indice di accessibilità</translation>
    </message>
    <message>
        <source>Floating-catchment accessibility per category, with service capacity as supply and the population field as demand: 2SFCA (Luo and Wang 2003), E2SFCA (Luo and Qi 2009; 0-10 min 1.00, 10-20 min 0.68, 20-30 min 0.22), 3SFCA (Wan, Zou and Sternberg 2012) or gravity (Shen 1998). Also writes the service gaps. A time equal to the catchment counts as within.</source>
        <translation>Accessibilità a bacino mobile per categoria, con la capacità del servizio come offerta e il campo popolazione come domanda: 2SFCA (Luo e Wang 2003), E2SFCA (Luo e Qi 2009; 0-10 min 1,00, 10-20 min 0,68, 20-30 min 0,22), 3SFCA (Wan, Zou e Sternberg 2012) o modello gravitazionale (Shen 1998). Scrive anche le carenze di servizio. Un tempo pari al bacino è considerato dentro.</translation>
    </message>
    <message>
        <source>Service gaps</source>
        <translation>Carenze di servizio</translation>
    </message>
    <message>
        <source>Per demand unit and category: population with no service within the time, population in the lowest fifth by accessibility, and a gap score (unserved plus half of the served population in the lowest fifth), summed and ranked per zone (e.g. municipality).</source>
        <translation>Per unità di domanda e categoria: popolazione senza servizi entro il tempo, popolazione nel quinto più basso per accessibilità e un punteggio di carenza (non servita più metà della popolazione servita nel quinto più basso), sommati e ordinati per zona (ad es. comune).</translation>
    </message>
    <message>
        <source>Catchment (minutes; E2SFCA uses its zones)</source>
        <translation>Bacino (minuti; E2SFCA usa le sue fasce)</translation>
    </message>
    <message>
        <source>Method</source>
        <translation>Metodo</translation>
    </message>
    <message>
        <source>Decay (e.g. power:-1:60, exponential:600, gaussian:900; seconds)</source>
        <translation>Decadimento (ad es. power:-1:60, exponential:600, gaussian:900; secondi)</translation>
    </message>
    <message>
        <source>Unserved: no service within (minutes)</source>
        <translation>Non servita: nessun servizio entro (minuti)</translation>
    </message>
    <message>
        <source>Zone field for the gap ranking (e.g. municipality)</source>
        <translation>Campo zona per la classifica delle carenze (ad es. comune)</translation>
    </message>
    <message>
        <source>Two-step floating catchment (2SFCA)</source>
        <translation>Bacino mobile a due fasi (2SFCA)</translation>
    </message>
    <message>
        <source>Enhanced 2SFCA (E2SFCA)</source>
        <translation>2SFCA migliorato (E2SFCA)</translation>
    </message>
    <message>
        <source>Three-step floating catchment (3SFCA)</source>
        <translation>Bacino mobile a tre fasi (3SFCA)</translation>
    </message>
    <message>
        <source>Gravity model (Shen)</source>
        <translation>Modello gravitazionale (Shen)</translation>
    </message>
    <message>
        <source>Service catalogue (points)</source>
        <translation>Catalogo dei servizi (punti)</translation>
    </message>
    <message>
        <source>Demand units (points or polygons)</source>
        <translation>Unità di domanda (punti o poligoni)</translation>
    </message>
    <message>
        <source>Travel mode</source>
        <translation>Modo di spostamento</translation>
    </message>
    <message>
        <source>GeoPackage (*.gpkg)</source>
        <translation>File GeoPackage (*.gpkg)</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>Annullato.</translation>
    </message>
    <message>
        <source>Population field</source>
        <translation>Campo popolazione</translation>
    </message>
    <message>
        <source>Identifier field</source>
        <translation>Campo identificativo</translation>
    </message>
    <message>
        <source>Name field</source>
        <translation>Campo nome</translation>
    </message>
    <message>
        <source>Categories (all when none is chosen)</source>
        <translation>Categorie (tutte se nessuna è scelta)</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>Categoria</translation>
    </message>
    <message>
        <source>Road network (.cmnet, OSM .pbf or line layer; straight lines when empty)</source>
        <translation>Rete stradale (.cmnet, .pbf OSM o layer lineare; linea d'aria se vuoto)</translation>
    </message>
    <message>
        <source>Road network (.cmnet, OSM .pbf or line layer)</source>
        <translation>Rete stradale (.cmnet, .pbf OSM o layer lineare)</translation>
    </message>
    <message>
        <source>Output GeoPackage</source>
        <translation>GeoPackage di uscita</translation>
    </message>
    <message>
        <source>Invalid layer: </source>
        <translation>Layer non valido: </translation>
    </message>
    <message>
        <source>Walk</source>
        <translation>A piedi</translation>
    </message>
    <message>
        <source>Bike</source>
        <translation>In bicicletta</translation>
    </message>
    <message>
        <source>Car</source>
        <translation>In auto</translation>
    </message>
    <message>
        <source>Validate service catalogue</source>
        <translation>Verifica il catalogo dei servizi</translation>
    </message>
    <message>
        <source>Checks every service of the catalogue and lists every problem at once, each with its feature and field: unknown category or language code, malformed ISTAT code, unparsable opening hours (OpenStreetMap opening_hours syntax), duplicate id, missing or non-point geometry, empty name, capacity (users per week) not positive. Writes no layer: its outputs are the two counts.</source>
        <translation>Controlla ogni servizio del catalogo ed elenca tutti i problemi in una volta, ciascuno con il suo elemento e campo: categoria o codice lingua sconosciuti, codice ISTAT malformato, orari non leggibili (sintassi opening_hours di OpenStreetMap), id duplicato, geometria mancante o non puntuale, nome vuoto, capacità (utenti a settimana) non positiva. Non scrive layer: i suoi risultati sono i due conteggi.</translation>
    </message>
    <message>
        <source>Valid services</source>
        <translation>Servizi validi</translation>
    </message>
    <message>
        <source>Problems found</source>
        <translation>Problemi trovati</translation>
    </message>
    <message>
        <source>All services are valid: </source>
        <translation>Tutti i servizi sono validi: </translation>
    </message>
    <message>
        <source>Nearest service</source>
        <translation>Servizio più vicino</translation>
    </message>
    <message>
        <source>For each demand unit and category: the nearest service, its travel distance (m) and time (min), and the number of services within the time given. Polygons are represented by a point inside them. Straight lines (distance x 1.3 at the mode's speed) unless a road network is given. A time equal to the limit counts as within.</source>
        <translation>Per ogni unità di domanda e categoria: il servizio più vicino, la distanza (m) e il tempo (min) di viaggio, e il numero di servizi entro il tempo dato. I poligoni sono rappresentati da un punto al loro interno. Linea d'aria (distanza x 1,3 alla velocità del modo) se non è data una rete stradale. Un tempo pari al limite è considerato dentro.</translation>
    </message>
    <message>
        <source>Count services within (minutes)</source>
        <translation>Conta i servizi entro (minuti)</translation>
    </message>
    <message>
        <source>Build network</source>
        <translation>Costruisci la rete</translation>
    </message>
    <message>
        <source>Builds walking, cycling and driving graphs from an OpenStreetMap .pbf file (highway tags, maxspeed, oneway, ferries) or from a line layer (topology from coincident end points), keeps the largest strongly connected component and saves the network (.cmnet) for the other tools.</source>
        <translation>Costruisce i grafi a piedi, in bicicletta e in auto da un file .pbf di OpenStreetMap (tag highway, maxspeed, oneway, traghetti) o da un layer lineare (topologia dagli estremi coincidenti), tiene la componente fortemente connessa più grande e salva la rete (.cmnet) per gli altri strumenti.</translation>
    </message>
    <message>
        <source>Travel areas</source>
        <translation>Aree di percorrenza</translation>
    </message>
    <message>
        <source>For each service, the area from which it can be reached within each time band, on a road network: a time surface on a grid whose cells join the network at the nearest street, contoured by marching squares (the approach of R5 and OpenTripPlanner). Bands are cumulative.</source>
        <translation>Per ogni servizio, l'area da cui lo si raggiunge entro ciascuna fascia di tempo, su una rete stradale: una superficie dei tempi su una griglia le cui celle si collegano alla rete nella strada più vicina, contornata con marching squares (l'approccio di R5 e OpenTripPlanner). Le fasce sono cumulative.</translation>
    </message>
    <message>
        <source>OpenStreetMap .pbf file or line layer</source>
        <translation>File .pbf di OpenStreetMap o layer lineare</translation>
    </message>
    <message>
        <source>Line layers: car speed field (km/h)</source>
        <translation>Layer lineari: campo velocità auto (km/h)</translation>
    </message>
    <message>
        <source>Line layers: one-way field</source>
        <translation>Layer lineari: campo senso unico</translation>
    </message>
    <message>
        <source>Line layers: allowed modes field</source>
        <translation>Layer lineari: campo modi ammessi</translation>
    </message>
    <message>
        <source>Network file</source>
        <translation>File della rete</translation>
    </message>
    <message>
        <source>CapaCityMetro network (*.cmnet)</source>
        <translation>Rete CapaCityMetro (*.cmnet)</translation>
    </message>
    <message>
        <source>Time bands (minutes, comma separated)</source>
        <translation>Fasce di tempo (minuti, separate da virgole)</translation>
    </message>
    <message>
        <source>Grid cell (metres; 0 for 50 walking, 75 cycling, 100 driving)</source>
        <translation>Cella della griglia (metri; 0 per 50 a piedi, 75 in bici, 100 in auto)</translation>
    </message>
    <message>
        <source>One area per category and band</source>
        <translation>Un'area per categoria e fascia</translation>
    </message>
    <message>
        <source>Time bands must be numbers separated by commas.</source>
        <translation>Le fasce di tempo devono essere numeri separati da virgole.</translation>
    </message>
    <message>
        <source>No area (too far from the network or from every stop, or no grid cell within the bands): </source>
        <translation>Nessuna area (troppo lontani dalla rete o da ogni fermata, o nessuna cella entro le fasce): </translation>
    </message>
    <message>
        <source>Suggest new sites</source>
        <translation>Suggerisci nuove sedi</translation>
    </message>
    <message>
        <source>Chooses new sites for a category among candidate points (by default the demand units) to cover the most population not yet within the time of a service: the Maximal Covering Location Problem (Church and ReVelle 1974), greedy then interchange. Reports covered population before, after and per site.</source>
        <translation>Sceglie nuove sedi per una categoria tra i punti candidati (di default le unità di domanda) per coprire la maggior popolazione non ancora entro il tempo da un servizio: il Maximal Covering Location Problem (Church e ReVelle 1974), greedy e poi scambio. Riporta la popolazione coperta prima, dopo e per sede.</translation>
    </message>
    <message>
        <source>Covered within (minutes)</source>
        <translation>Coperta entro (minuti)</translation>
    </message>
    <message>
        <source>Number of new sites</source>
        <translation>Numero di nuove sedi</translation>
    </message>
    <message>
        <source>Candidate sites (points; the demand units when empty)</source>
        <translation>Sedi candidate (punti; le unità di domanda se vuoto)</translation>
    </message>
    <message>
        <source>CapaCityMetro: services for migrants</source>
        <translation>CapaCityMetro: servizi per i migranti</translation>
    </message>
    <message>
        <source>CapaCityMetro — {algorithm}</source>
        <translation>CapaCityMetro — {algorithm}</translation>
    </message>
    <message>
        <source>the stored style could not be loaded: </source>
        <translation>impossibile caricare lo stile salvato: </translation>
    </message>
    <message>
        <source>within {minutes} min: {population} ({share}%)</source>
        <translation>entro {minutes} min: {population} ({share}%)</translation>
    </message>
    <message>
        <source>none</source>
        <translation>nessuno</translation>
    </message>
    <message>
        <source>{category}: {within} of {total}; worst served: {worst}</source>
        <translation>{category}: {within} su {total}; i meno serviti: {worst}</translation>
    </message>
    <message>
        <source>Residents: {population} in {units} units.</source>
        <translation>Residenti: {population} in {units} unità.</translation>
    </message>
    <message>
        <source>Too far from the network, never reached: </source>
        <translation>Troppo lontani dalla rete, mai raggiunti: </translation>
    </message>
    <message>
        <source>{category}: unserved {unserved} of {total}; gap score total {score}</source>
        <translation>{category}: non serviti {unserved} su {total}; punteggio di carenza totale {score}</translation>
    </message>
    <message>
        <source>worst zones: </source>
        <translation>zone peggiori: </translation>
    </message>
    <message>
        <source>highest index: </source>
        <translation>indice massimo: </translation>
    </message>
    <message>
        <source>{category}: population covered {before} → {after} of {total}</source>
        <translation>{category}: popolazione coperta {before} → {after} su {total}</translation>
    </message>
    <message>
        <source>The services' &lt;b&gt;capacity&lt;/b&gt; field (users per week) is not used here: every service counts alike; a service counts for each of its &lt;b&gt;categories&lt;/b&gt; (ids separated by ;).</source>
        <translation>Il campo &lt;b&gt;capacity&lt;/b&gt; (capacità, utenti a settimana) dei servizi qui non è usato: ogni servizio conta allo stesso modo; un servizio conta per ciascuna delle sue &lt;b&gt;categories&lt;/b&gt; (id separati da ;).</translation>
    </message>
    <message>
        <source>Supply: the services' &lt;b&gt;capacity&lt;/b&gt; field (users per week; 1 when empty), counted in each of its &lt;b&gt;categories&lt;/b&gt;; demand: POPULATION_FIELD (persons).</source>
        <translation>Offerta: il campo &lt;b&gt;capacity&lt;/b&gt; (capacità) dei servizi (utenti a settimana; 1 se vuoto), contato in ciascuna delle sue &lt;b&gt;categories&lt;/b&gt;; domanda: POPULATION_FIELD (persone).</translation>
    </message>
    <message>
        <source>Writes &lt;b&gt;accessibility&lt;/b&gt;, per demand unit and category: &lt;i&gt;category&lt;/i&gt;_access in supply per person (capacity over the population in reach, weighted by time); _unserved, _low_access and _gap_score in persons; &lt;b&gt;gaps_by_zone&lt;/b&gt;: per category and zone, rank, unserved, low_access, gap_score in persons.</source>
        <translation>Scrive &lt;b&gt;accessibility&lt;/b&gt;, per unità di domanda e categoria: &lt;i&gt;categoria&lt;/i&gt;_access in offerta per persona (capacità sulla popolazione raggiungibile, pesata per il tempo); _unserved, _low_access e _gap_score in persone; &lt;b&gt;gaps_by_zone&lt;/b&gt;: per categoria e zona, rank, unserved, low_access, gap_score in persone.</translation>
    </message>
    <message>
        <source>Writes &lt;b&gt;services&lt;/b&gt; (the catalogue as read); &lt;b&gt;coverage&lt;/b&gt; (OUTPUT_LAYER), per demand unit and category: &lt;i&gt;category&lt;/i&gt;_nearest_min in minutes, _nearest_m in metres, _count_&lt;i&gt;N&lt;/i&gt;min in services within COUNT_WITHIN_MINUTES, population in persons; with AGGREGATE_BY, &lt;b&gt;coverage_by_zone&lt;/b&gt;: population, reached, not_reached in persons; &lt;b&gt;summary&lt;/b&gt;: per category, population_total and population_within_&lt;i&gt;N&lt;/i&gt;min in persons.</source>
        <translation>Scrive &lt;b&gt;services&lt;/b&gt; (il catalogo come letto); &lt;b&gt;coverage&lt;/b&gt; (OUTPUT_LAYER), per unità di domanda e categoria: &lt;i&gt;categoria&lt;/i&gt;_nearest_min in minuti, _nearest_m in metri, _count_&lt;i&gt;N&lt;/i&gt;min in servizi entro COUNT_WITHIN_MINUTES, population in persone; con AGGREGATE_BY, &lt;b&gt;coverage_by_zone&lt;/b&gt;: population, reached, not_reached in persone; &lt;b&gt;summary&lt;/b&gt;: per categoria, population_total e population_within_&lt;i&gt;N&lt;/i&gt;min in persone.</translation>
    </message>
    <message>
        <source>Writes one network file (.cmnet), with the lengths in metres and the times in seconds; no layer.</source>
        <translation>Scrive un file di rete (.cmnet), con le lunghezze in metri e i tempi in secondi; nessun layer.</translation>
    </message>
    <message>
        <source>Writes &lt;b&gt;services&lt;/b&gt; (the catalogue as read) and &lt;b&gt;travel_areas&lt;/b&gt;: one polygon per service (or, with DISSOLVE, per category) and band; band_min in minutes.</source>
        <translation>Scrive &lt;b&gt;services&lt;/b&gt; (il catalogo come letto) e &lt;b&gt;travel_areas&lt;/b&gt;: un poligono per servizio (o, con DISSOLVE, per categoria) e fascia; band_min in minuti.</translation>
    </message>
    <message>
        <source>Writes &lt;b&gt;suggested_sites&lt;/b&gt;: points with rank, candidate, population_gained (newly covered for mclp and lscp, served for the p-median models), covered_before and covered_after in persons (covered: within COVERED_WITHIN_MINUTES minutes of a service). The layer's abstract and the log say whether the answer is proven optimal, the gap when TIME_LIMIT_SECONDS stopped the solver, and the heuristic's value beside it.</source>
        <translation>Scrive &lt;b&gt;suggested_sites&lt;/b&gt;: punti con rank, candidate, population_gained (nuovi coperti per mclp e lscp, serviti per i modelli p-mediana), covered_before e covered_after in persone (coperti: entro COVERED_WITHIN_MINUTES minuti da un servizio). Il sommario del layer e il log dicono se la risposta è ottima dimostrata, il gap quando TIME_LIMIT_SECONDS ha fermato il risolutore, e il valore dell'euristica accanto.</translation>
    </message>
    <message>
        <source>Writes a folder: index.html, embed.html and data/ (the desks of the results' &lt;b&gt;services&lt;/b&gt; layer, the places, and per desk a grid of travel times in minutes, up to MAX_MINUTES); no layer.</source>
        <translation>Scrive una cartella: index.html, embed.html e data/ (gli sportelli del layer &lt;b&gt;services&lt;/b&gt; dei risultati, i luoghi e per ogni sportello una griglia dei tempi di viaggio in minuti, fino a MAX_MINUTES); nessun layer.</translation>
    </message>
    <message>
        <source>Each parameter's tooltip has its full help.</source>
        <translation>Il suggerimento di ogni parametro ne riporta l'aiuto completo.</translation>
    </message>
    <message>
        <source>Without a network, travel is a straight line times a detour factor at {speeds}; transit: rides by the GTFS timetables, walking legs at {walk}. On a network, at its roads' speeds.</source>
        <translation>Senza rete, il percorso è la linea retta per un fattore di deviazione, a {speeds}; trasporto pubblico: corse dagli orari GTFS, tratti a piedi a {walk}. Su una rete, alle velocità delle sue strade.</translation>
    </message>
    <message>
        <source>Needs a road network (NETWORK) or mode transit: the speeds are the network's roads' or the timetables'.</source>
        <translation>Serve una rete stradale (NETWORK) o il modo transit: le velocità sono quelle delle strade della rete o degli orari.</translation>
    </message>
    <message>
        <source>Needs analysis</source>
        <translation>Analisi dei bisogni</translation>
    </message>
    <message>
        <source>Writes &lt;b&gt;needs_zones&lt;/b&gt; (per zone and category: requests, rate_per_1000 per 1,000 residents, served, referred, unmet, bypassing in requests, bypass_extra_min and nearest_min in minutes, the E2SFCA access and gap_score), &lt;b&gt;needs_flows&lt;/b&gt; and &lt;b&gt;needs_referrals&lt;/b&gt; (lines, requests), &lt;b&gt;needs_desks&lt;/b&gt;, &lt;b&gt;needs_languages&lt;/b&gt;, &lt;b&gt;needs_bypass_languages&lt;/b&gt;, &lt;b&gt;needs_monthly&lt;/b&gt; and &lt;b&gt;needs_decay&lt;/b&gt; (decay_minutes in minutes). Counts below MIN_COUNT are suppressed.</source>
        <translation>Scrive &lt;b&gt;needs_zones&lt;/b&gt; (per zona e categoria: requests, rate_per_1000 ogni 1.000 residenti, served, referred, unmet, bypassing in richieste, bypass_extra_min e nearest_min in minuti, l&apos;accessibilità E2SFCA access e gap_score), &lt;b&gt;needs_flows&lt;/b&gt; e &lt;b&gt;needs_referrals&lt;/b&gt; (linee, richieste), &lt;b&gt;needs_desks&lt;/b&gt;, &lt;b&gt;needs_languages&lt;/b&gt;, &lt;b&gt;needs_bypass_languages&lt;/b&gt;, &lt;b&gt;needs_monthly&lt;/b&gt; e &lt;b&gt;needs_decay&lt;/b&gt; (decay_minutes in minuti). I conteggi sotto MIN_COUNT sono soppressi.</translation>
    </message>
    <message>
        <source>{records} request records; {suppressed} counts suppressed</source>
        <translation>{records} richieste; {suppressed} conteggi soppressi</translation>
    </message>
    <message>
        <source>Distance decay fitted to the flows: exp(-t / {minutes} min) ± {error}</source>
        <translation>Decadimento con la distanza stimato dai flussi: exp(-t / {minutes} min) ± {error}</translation>
    </message>
    <message>
        <source>Export service catalogue</source>
        <translation>Esporta il catalogo dei servizi</translation>
    </message>
    <message>
        <source>Import service catalogue</source>
        <translation>Importa il catalogo dei servizi</translation>
    </message>
    <message>
        <source>Writes the catalogue in an exchange format. &lt;b&gt;Open Referral HSDS 3.0&lt;/b&gt;: organizations, services, locations, services at locations, weekly schedules, languages, phones and accessibility, as JSON or as the tabular package (a folder of CSV files with datapackage.json; give the folder's name as the output); categories are terms of the taxonomy capacitymetro-categories; the opening-hours rules HSDS cannot say (public holidays, months, week numbers) are listed as warnings and kept as written in an attribute. &lt;b&gt;CSV&lt;/b&gt; for spreadsheets: categories and languages separated by ;, lon/lat columns. &lt;b&gt;osmChange&lt;/b&gt;: a draft of new OpenStreetMap nodes for review; nothing is uploaded.</source>
        <translation>Scrive il catalogo in un formato di scambio. &lt;b&gt;Open Referral HSDS 3.0&lt;/b&gt;: organizzazioni, servizi, sedi, servizi nelle sedi, orari settimanali, lingue, telefoni e accessibilità, in JSON o come pacchetto tabellare (una cartella di file CSV con datapackage.json; come uscita si indica il nome della cartella); le categorie sono termini della tassonomia capacitymetro-categories; le regole degli orari che HSDS non sa esprimere (festivi, mesi, numeri di settimana) sono elencate come avvisi e conservate così come scritte in un attributo. &lt;b&gt;CSV&lt;/b&gt; per i fogli di calcolo: categorie e lingue separate da ;, colonne lon/lat. &lt;b&gt;osmChange&lt;/b&gt;: una bozza di nuovi nodi OpenStreetMap da rivedere; non viene caricato nulla.</translation>
    </message>
    <message>
        <source>Reads an exchange format into a catalogue GeoPackage (layer services) or CSV file, checked by the core. &lt;b&gt;Open Referral HSDS 3.0&lt;/b&gt; JSON, or the tabular package (choose its datapackage.json): weekly schedules become OpenStreetMap opening_hours (two schedules a day, as a lunch closure, give one rule with two spans); what opening_hours cannot say is listed as a warning. &lt;b&gt;CSV&lt;/b&gt; for spreadsheets. &lt;b&gt;OpenStreetMap PBF&lt;/b&gt;: candidate desks (social facilities for migrants, refugees or outreach, NGO offices, community centres, language schools, healthcare), ways at their centroid, with categories guessed from the tags for the office to review; needs pyosmium for QGIS's Python.</source>
        <translation>Legge un formato di scambio in un catalogo GeoPackage (layer services) o in un file CSV, controllato dal core. &lt;b&gt;Open Referral HSDS 3.0&lt;/b&gt; in JSON, o il pacchetto tabellare (scegliere il suo datapackage.json): gli orari settimanali diventano opening_hours di OpenStreetMap (due orari al giorno, come una chiusura per pranzo, danno una regola con due intervalli); ciò che opening_hours non sa esprimere è elencato come avviso. &lt;b&gt;CSV&lt;/b&gt; per i fogli di calcolo. &lt;b&gt;PBF di OpenStreetMap&lt;/b&gt;: sportelli candidati (strutture sociali per migranti, rifugiati o di prossimità, uffici di ONG, centri civici, scuole di lingua, sanità), le vie nel loro centroide, con categorie dedotte dai tag perché l'ufficio le riveda; richiede pyosmium per il Python di QGIS.</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>Formato</translation>
    </message>
    <message>
        <source>Services</source>
        <translation>Servizi</translation>
    </message>
    <message>
        <source>Open Referral HSDS 3.0, JSON</source>
        <translation>Open Referral HSDS 3.0, JSON</translation>
    </message>
    <message>
        <source>Open Referral HSDS 3.0, CSV package</source>
        <translation>Open Referral HSDS 3.0, pacchetto CSV</translation>
    </message>
    <message>
        <source>CSV for spreadsheets</source>
        <translation>CSV per fogli di calcolo</translation>
    </message>
    <message>
        <source>OpenStreetMap osmChange draft</source>
        <translation>Bozza osmChange di OpenStreetMap</translation>
    </message>
    <message>
        <source>OpenStreetMap PBF (candidate desks)</source>
        <translation>PBF di OpenStreetMap (sportelli candidati)</translation>
    </message>
    <message>
        <source>Output file (a folder for the HSDS CSV package)</source>
        <translation>File di uscita (una cartella per il pacchetto CSV HSDS)</translation>
    </message>
    <message>
        <source>JSON (*.json);;CSV (*.csv);;osmChange (*.osc);;All files (*)</source>
        <translation>JSON (*.json);;CSV (*.csv);;osmChange (*.osc);;Tutti i file (*)</translation>
    </message>
    <message>
        <source>File to read</source>
        <translation>File da leggere</translation>
    </message>
    <message>
        <source>Catalogue</source>
        <translation>Catalogo</translation>
    </message>
    <message>
        <source>GeoPackage (*.gpkg);;CSV (*.csv)</source>
        <translation>GeoPackage (*.gpkg);;CSV (*.csv)</translation>
    </message>
    <message>
        <source>Services written: </source>
        <translation>Servizi scritti: </translation>
    </message>
    <message>
        <source>Services (imported)</source>
        <translation>Servizi (importati)</translation>
    </message>
    <message>
        <source>Catalogue (services layer)</source>
        <translation>Catalogo (layer dei servizi)</translation>
    </message>
    <message>
        <source>Catalogue changes since date</source>
        <translation>Modifiche al catalogo da una data</translation>
    </message>
    <message>
        <source>Catalogue written: </source>
        <translation>Catalogo scritto: </translation>
    </message>
    <message>
        <source>Changes</source>
        <translation>Modifiche</translation>
    </message>
    <message>
        <source>Changes since (UTC)</source>
        <translation>Modifiche dal (UTC)</translation>
    </message>
    <message>
        <source>Create catalogue</source>
        <translation>Crea il catalogo</translation>
    </message>
    <message>
        <source>Create catalogue…</source>
        <translation>Crea il catalogo…</translation>
    </message>
    <message>
        <source>Lists the changes made to a catalogue (made by Create catalogue) since a date: when (UTC), who (the name in the QGIS setting capacitymetro/operator, by default the computer's user name; none for changes made outside QGIS), which service, and per field the old and the new value. The changes stay in the catalogue's &lt;b&gt;services_history&lt;/b&gt; table, which QGIS opens as a table.</source>
        <translation>Elenca le modifiche a un catalogo (creato con Crea il catalogo) da una data: quando (UTC), chi (il nome nell'impostazione QGIS capacitymetro/operator, di default l'utente del computer; nessuno per le modifiche fatte fuori da QGIS), quale servizio e, per campo, il valore vecchio e quello nuovo. Le modifiche restano nella tabella &lt;b&gt;services_history&lt;/b&gt; del catalogo, che QGIS apre come tabella.</translation>
    </message>
    <message>
        <source>Services for migrants</source>
        <translation>Servizi per migranti</translation>
    </message>
    <message>
        <source>The change history cannot record who saves: </source>
        <translation>La cronologia delle modifiche non può registrare chi salva: </translation>
    </message>
    <message>
        <source>Writes an empty service catalogue: a GeoPackage whose &lt;b&gt;services&lt;/b&gt; layer (points, WGS 84) opens with its editing form: tabs for identity, categories and languages, opening hours, contacts and accessibility; lists to pick categories (labels in the QGIS language) and languages; checks with Italian and English messages (name, categories and municipality required, 6-digit ISTAT code, e-mail and web address, opening hours in OpenStreetMap syntax); a new service gets an id, and every save its date. Every change is kept in the &lt;b&gt;services_history&lt;/b&gt; table (who, when, old and new values): see Catalogue changes since date. After each save the plugin checks the catalogue and lists every problem.</source>
        <translation>Scrive un catalogo dei servizi vuoto: un GeoPackage il cui layer &lt;b&gt;services&lt;/b&gt; (punti, WGS 84) si apre con la sua maschera di inserimento: schede per identità, categorie e lingue, orari, contatti e accessibilità; elenchi per scegliere le categorie (etichette nella lingua di QGIS) e le lingue; controlli con messaggi in italiano e in inglese (nome, categorie e comune obbligatori, codice ISTAT di 6 cifre, indirizzo e-mail e web, orari nella sintassi di OpenStreetMap); un nuovo servizio riceve un codice, e ogni salvataggio la sua data. Ogni modifica è conservata nella tabella &lt;b&gt;services_history&lt;/b&gt; (chi, quando, valori vecchi e nuovi): vedi Modifiche al catalogo da una data. Dopo ogni salvataggio il plugin verifica il catalogo ed elenca ogni problema.</translation>
    </message>
    <message>
        <source>saved; the catalogue is valid.</source>
        <translation>salvato; il catalogo è valido.</translation>
    </message>
    <message>
        <source>{count} problem(s) in the saved catalogue (nothing was changed): </source>
        <translation>{count} problemi nel catalogo salvato (nulla è stato modificato): </translation>
    </message>
    <message>
        <source>{layer}, service {feature}, field {field}: {message}</source>
        <translation>{layer}, servizio {feature}, campo {field}: {message}</translation>
    </message>
    <message>
        <source>Write RNDT metadata</source>
        <translation>Scrivi i metadati RNDT</translation>
    </message>
    <message>
        <source>Writes one ISO 19139 metadata record per public map layer of a results GeoPackage, and one for the WMS when its URL is given, following RNDT 2.0 (the Italian profile of ISO 19115/19139 and INSPIRE): identifiers prefixed by the iPA code of the administration, titles and abstracts from the results' schema, extent, CRS, lineage, licence, INSPIRE and GEMET keywords. The public layers are those the publishing commands serve (counts under the threshold suppressed). A record whose content has not changed is left as it is, so a catalogue harvesting the folder again updates its records. As the command line's &lt;b&gt;capacitymetro publish metadata&lt;/b&gt;; the records written are listed in the log.</source>
        <translation>Scrive un record di metadati ISO 19139 per ogni layer cartografico pubblico di un GeoPackage dei risultati, e uno per il WMS quando ne è dato l'URL, secondo RNDT 2.0 (il profilo italiano di ISO 19115/19139 e INSPIRE): identificativi con il prefisso del codice iPA dell'amministrazione, titoli e descrizioni dallo schema dei risultati, estensione, sistema di riferimento, genealogia, licenza, parole chiave INSPIRE e GEMET. I layer pubblici sono quelli che i comandi di pubblicazione servono (conteggi sotto la soglia soppressi). Un record il cui contenuto non è cambiato resta com'è, così un catalogo che raccoglie di nuovo la cartella aggiorna i suoi record. Come &lt;b&gt;capacitymetro publish metadata&lt;/b&gt; da riga di comando; i record scritti sono elencati nel log.</translation>
    </message>
    <message>
        <source>Results GeoPackage (one of its layers, or the file)</source>
        <translation>GeoPackage dei risultati (uno dei suoi layer, o il file)</translation>
    </message>
    <message>
        <source>Folder of the records</source>
        <translation>Cartella dei record</translation>
    </message>
    <message>
        <source>iPA code of the administration (the prefix of every record's identifier)</source>
        <translation>Codice iPA dell'amministrazione (il prefisso dell'identificativo di ogni record)</translation>
    </message>
    <message>
        <source>E-mail of the point of contact</source>
        <translation>E-mail del punto di contatto</translation>
    </message>
    <message>
        <source>Name of the point of contact (a person or an office)</source>
        <translation>Nome del punto di contatto (una persona o un ufficio)</translation>
    </message>
    <message>
        <source>Responsible organisation</source>
        <translation>Organizzazione responsabile</translation>
    </message>
    <message>
        <source>Licence of the data</source>
        <translation>Licenza dei dati</translation>
    </message>
    <message>
        <source>Public WMS URL the layers are served at (the service record needs it)</source>
        <translation>URL pubblico del WMS che serve i layer (necessario al record del servizio)</translation>
    </message>
    <message>
        <source>Public URL the records' folder is served at (default: their file:// addresses)</source>
        <translation>URL pubblico a cui è servita la cartella dei record (predefinito: i loro indirizzi file://)</translation>
    </message>
    <message>
        <source>Denominator of the equivalent scale of the layers</source>
        <translation>Denominatore della scala equivalente dei layer</translation>
    </message>
    <message>
        <source>Suppression threshold of the published layers (stated in the lineage)</source>
        <translation>Soglia di soppressione dei layer pubblicati (indicata nella genealogia)</translation>
    </message>
    <message>
        <source>Records</source>
        <translation>Record</translation>
    </message>
    <message>
        <source>Not a layer of a GeoPackage file: choose a layer of a CapaCityMetro results GeoPackage, or the file.</source>
        <translation>Non è un layer di un file GeoPackage: scegliere un layer di un GeoPackage dei risultati di CapaCityMetro, o il file.</translation>
    </message>
    <message>
        <source>The iPA code of the administration is required: it prefixes every record's identifier (e.g. c_l736).</source>
        <translation>Il codice iPA dell'amministrazione è obbligatorio: è il prefisso dell'identificativo di ogni record (es. c_l736).</translation>
    </message>
    <message>
        <source> — for QGIS's Python: install python3-pyproj (Debian, Ubuntu) or run /usr/bin/python3 -m pip install pyproj</source>
        <translation> — per il Python di QGIS: installare python3-pyproj (Debian, Ubuntu) o eseguire /usr/bin/python3 -m pip install pyproj</translation>
    </message>
    <message>
        <source>RNDT records: {changed} of {total} written in {folder}, the others unchanged</source>
        <translation>Record RNDT: {changed} di {total} scritti in {folder}, gli altri invariati</translation>
    </message>
    <message>
        <source>service (WMS)</source>
        <translation>servizio (WMS)</translation>
    </message>
</context>
</TS>
