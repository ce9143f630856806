"""Suggest new sites."""

from qgis.core import QgsProcessing, QgsProcessingParameterFeatureSource, QgsProcessingParameterNumber

from .base import CapaCityMetroAlgorithm


class SuggestSites(CapaCityMetroAlgorithm):
    NAME = "suggestsites"
    DISPLAY = "Suggest new sites"
    HELP = ("Chooses new sites for a category among candidate points (by default the demand units) to cover the "
            "most population not yet within the time of a service: the Maximal Covering Location Problem (Church "
            "and ReVelle 1974), greedy then interchange. Reports covered population before, after and per site.")
    SITES = "SITES"
    CANDIDATES = "CANDIDATES"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_services()
        self.add_demand()
        self.add_categories(multiple=False)
        self.addParameter(QgsProcessingParameterNumber(self.SITES, self.tr("Number of new sites"),
                                                       QgsProcessingParameterNumber.Integer, defaultValue=3, minValue=1))
        self.add_minutes(self.tr("Covered within (minutes)"), 30.0)
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.CANDIDATES, self.tr("Candidate sites (points; the demand units when empty)"),
            [QgsProcessing.TypeVectorPoint], optional=True))
        self.add_travel()
        self.add_output()

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        core = self.core()
        output = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        has_candidates = self.parameterAsVectorLayer(parameters, self.CANDIDATES, context) is not None
        result = self.call(
            core.suggest_sites,
            self.export(parameters, self.SERVICES, context, feedback),
            self.export(parameters, self.DEMAND, context, feedback),
            self.parameterAsString(parameters, self.POPULATION_FIELD, context),
            self.category_ids(parameters, context)[0] if parameters.get(self.CATEGORIES) is not None
            else self.core().vocabulary()[0]["id"],
            sites=self.parameterAsInt(parameters, self.SITES, context),
            minutes=self.parameterAsDouble(parameters, self.MINUTES, context),
            candidates=self.export(parameters, self.CANDIDATES, context, feedback) if has_candidates else None,
            id_field=self.field(parameters, self.ID_FIELD, context),
            name_field=self.field(parameters, self.NAME_FIELD, context),
            mode=self.mode(parameters, context),
            network=self.network(parameters, context),
            output=output,
            progress=self.progress(feedback),
        )
        for rank, (site, gain) in enumerate(zip(result["sites"], result["gains"]), start=1):
            feedback.pushInfo(f"{rank}. {site}: +{gain:,.0f}")
        self.load_on_completion(context, output, ["suggested_sites"])
        return {self.OUTPUT: output}
