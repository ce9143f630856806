"""Nearest service per category."""

import math

from .base import CapaCityMetroAlgorithm, population


class NearestService(CapaCityMetroAlgorithm):
    NAME = "nearestservice"
    DISPLAY = "Nearest service"
    JOB = "coverage"
    OUTPUTS = ("Writes <b>services</b> (the catalogue as read); <b>coverage</b> (OUTPUT_LAYER), per demand unit and "
               "category: <i>category</i>_nearest_min in minutes, _nearest_m in metres, _count_<i>N</i>min in "
               "services within COUNT_WITHIN_MINUTES, population in persons; with AGGREGATE_BY, "
               "<b>coverage_by_zone</b>: population, reached, not_reached in persons; <b>summary</b>: per category, "
               "population_total and population_within_<i>N</i>min in persons.")

    def report(self, result, feedback):
        """The CLI's summary, one line per category (the log does not keep a
        table's columns): the population whose nearest service is within each
        summary time, with its share, and the three worst-served units."""
        names, labels = result["demand"]["name"], self.labels()
        for row in result["summary"]:
            total = row["population_total"]
            within = ", ".join(
                self.tr("within {minutes} min: {population} ({share}%)").format(
                    minutes=f"{minutes:g}", population=population(reached),
                    share=f"{100 * reached / total:.0f}" if total else "-")
                for minutes, reached in row["population_within_minutes"].items())
            times = result["coverage"][row["category"]]["nearest_time_s"]
            worst = ", ".join(
                f"{names[i]} ({times[i] / 60:.0f} min)" if math.isfinite(times[i]) else f"{names[i]} ({self.tr('none')})"
                for i in row["worst_served"][:3])
            feedback.pushInfo(self.tr("{category}: {within} of {total}; worst served: {worst}").format(
                category=labels.get(row["category"], row["category"]), within=within, total=population(total),
                worst=worst))
        if result["summary"]:
            feedback.pushInfo(self.tr("Residents: {population} in {units} units.").format(
                population=population(result["summary"][0]["population_total"]), units=len(names)))
        if result["unreachable_services"]:
            feedback.pushWarning(self.tr("Too far from the network, never reached: ")
                                 + ", ".join(result["unreachable_services"]))
