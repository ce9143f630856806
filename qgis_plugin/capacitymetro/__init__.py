"""CapaCityMetro QGIS plugin: a Processing provider over the CapaCityMetro core."""


def classFactory(iface):  # noqa: N802 (QGIS's name)
    from .plugin import CapaCityMetroPlugin

    return CapaCityMetroPlugin(iface)
