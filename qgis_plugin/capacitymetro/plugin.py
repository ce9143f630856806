"""The plugin: installs the Italian or English strings, the Processing provider, the catalogue's
expression functions and checks, and the Create catalogue menu action."""

from __future__ import annotations

import sys
from pathlib import Path

from qgis.core import Qgis, QgsApplication, QgsMessageLog, QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QTranslator
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction

from .core import load_core

HERE = Path(__file__).resolve().parent


def install_translator():
    """Follows the QGIS locale; English when there is no translation."""
    locale = (QgsSettings().value("locale/userLocale", "") or "en")[:2]
    translator = QTranslator()
    if translator.load(str(HERE / "i18n" / f"capacitymetro_{locale}.qm")):
        QCoreApplication.installTranslator(translator)
        return translator
    return None


class CapaCityMetroPlugin:
    MENU = "&CapaCityMetro"

    def __init__(self, iface):
        self.iface = iface
        self.provider = None
        self.catalogues = None
        self.create_action = None
        self.translator = install_translator()

    def initProcessing(self):  # noqa: N802 (QGIS's name)
        if self.provider is not None:
            return
        core, message = load_core()
        if core is None:
            QgsMessageLog.logMessage(message, "CapaCityMetro", Qgis.Critical)
            print(message, file=sys.stderr)
            if self.iface is not None:
                self.iface.messageBar().pushMessage("CapaCityMetro", message, level=Qgis.Critical)
            return
        from .editing import CatalogueLayers
        from .processing.provider import CapaCityMetroProvider

        self.provider = CapaCityMetroProvider()
        QgsApplication.processingRegistry().addProvider(self.provider)
        # the catalogue form's expression functions, and the checks of every catalogue layer
        self.catalogues = CatalogueLayers(self.iface.messageBar() if self.iface is not None else None)
        self.catalogues.start()

    def initGui(self):  # noqa: N802
        self.initProcessing()
        if self.provider is None:
            return
        self.create_action = QAction(QIcon(str(HERE / "icons" / "createcatalogue.svg")),
                                     QCoreApplication.translate("CapaCityMetro", "Create catalogue…"),
                                     self.iface.mainWindow())
        self.create_action.triggered.connect(self.create_catalogue)
        self.iface.addPluginToMenu(self.MENU, self.create_action)

    def create_catalogue(self):
        import processing

        processing.execAlgorithmDialog("capacitymetro:createcatalogue")

    def unload(self):
        if self.create_action is not None:
            self.iface.removePluginMenu(self.MENU, self.create_action)
            self.create_action = None
        if self.catalogues is not None:
            self.catalogues.stop()
            self.catalogues = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
