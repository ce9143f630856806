"""Nearest service per category."""

from .base import CapaCityMetroAlgorithm


class NearestService(CapaCityMetroAlgorithm):
    NAME = "nearestservice"
    DISPLAY = "Nearest service"
    HELP = ("For each demand unit and category: the nearest service, its travel distance (m) and time (min), "
            "and the number of services within the time given. Polygons are represented by a point inside them. "
            "Straight lines (distance x 1.3 at the mode's speed) unless a road network is given. A time equal "
            "to the limit counts as within.")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_services()
        self.add_demand()
        self.add_categories()
        self.add_minutes(self.tr("Count services within (minutes)"), 30.0)
        self.add_travel()
        self.add_output()

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        core = self.core()
        output = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        self.call(
            core.coverage,
            self.export(parameters, self.SERVICES, context, feedback),
            self.export(parameters, self.DEMAND, context, feedback),
            self.parameterAsString(parameters, self.POPULATION_FIELD, context),
            id_field=self.field(parameters, self.ID_FIELD, context),
            name_field=self.field(parameters, self.NAME_FIELD, context),
            categories=self.category_ids(parameters, context),
            minutes=self.parameterAsDouble(parameters, self.MINUTES, context),
            mode=self.mode(parameters, context),
            network=self.network(parameters, context),
            output=output,
            progress=self.progress(feedback),
        )
        self.load_on_completion(context, output, ["coverage", "services"])
        return {self.OUTPUT: output}
