"""The Processing provider "CapaCityMetro" (id ``capacitymetro``)."""

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from .algorithms.accessibility import AccessibilityIndex, ServiceGaps
from .algorithms.base import ICONS
from .algorithms.catalogue import CatalogueChanges, CreateCatalogue, ValidateCatalogue
from .algorithms.exchange import ExportCatalogue, ImportCatalogue
from .algorithms.metadata import WriteMetadata
from .algorithms.nearest import NearestService
from .algorithms.needs import NeedsAnalysis
from .algorithms.network import BuildNetwork, TravelAreas
from .algorithms.sites import SuggestSites
from .algorithms.web import PublishPage

ALGORITHMS = (ValidateCatalogue, CreateCatalogue, CatalogueChanges, ExportCatalogue, ImportCatalogue, NearestService,
              BuildNetwork, TravelAreas, AccessibilityIndex, ServiceGaps, SuggestSites, NeedsAnalysis, PublishPage,
              WriteMetadata)


class CapaCityMetroProvider(QgsProcessingProvider):
    def id(self):
        return "capacitymetro"

    def name(self):
        return "CapaCityMetro"

    def longName(self):
        return QCoreApplication.translate("CapaCityMetro", "CapaCityMetro: services for migrants")

    def icon(self):
        return QIcon(self.svgIconPath())

    def svgIconPath(self):  # noqa: N802 (QGIS's name)
        return str(ICONS / "provider.svg")

    def loadAlgorithms(self):
        for algorithm in ALGORITHMS:
            self.addAlgorithm(algorithm())
