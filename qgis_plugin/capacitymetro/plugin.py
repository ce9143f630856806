"""The plugin: installs the Italian or English strings and the Processing provider."""

from __future__ import annotations

import sys
from pathlib import Path

from qgis.core import Qgis, QgsApplication, QgsMessageLog, QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QTranslator

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
    def __init__(self, iface):
        self.iface = iface
        self.provider = None
        self.translator = install_translator()

    def initProcessing(self):  # noqa: N802 (QGIS's name)
        core, message = load_core()
        if core is None:
            QgsMessageLog.logMessage(message, "CapaCityMetro", Qgis.Critical)
            print(message, file=sys.stderr)
            if self.iface is not None:
                self.iface.messageBar().pushMessage("CapaCityMetro", message, level=Qgis.Critical)
            return
        from .processing.provider import CapaCityMetroProvider

        self.provider = CapaCityMetroProvider()
        QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):  # noqa: N802
        self.initProcessing()

    def unload(self):
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
