"""The Processing provider "CapaCityMetro" (id ``capacitymetro``)."""

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtCore import QCoreApplication

from .algorithms.accessibility import AccessibilityIndex, ServiceGaps
from .algorithms.catalogue import ValidateCatalogue
from .algorithms.nearest import NearestService
from .algorithms.network import BuildNetwork, TravelAreas
from .algorithms.sites import SuggestSites
from .algorithms.web import PublishPage

ALGORITHMS = (ValidateCatalogue, NearestService, BuildNetwork, TravelAreas, AccessibilityIndex, ServiceGaps,
              SuggestSites, PublishPage)


class CapaCityMetroProvider(QgsProcessingProvider):
    def id(self):
        return "capacitymetro"

    def name(self):
        return "CapaCityMetro"

    def longName(self):
        return QCoreApplication.translate("CapaCityMetro", "CapaCityMetro: services for migrants")

    def loadAlgorithms(self):
        for algorithm in ALGORITHMS:
            self.addAlgorithm(algorithm())
