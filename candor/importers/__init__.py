"""Importers: one base class; each source is a small subclass with its column mapping."""

from candor.importers.base import Importer, ImportReport, Rejection, RowError
from candor.importers.orders import OrdersCsvImporter

IMPORTERS: dict[str, type[Importer]] = {
    OrdersCsvImporter.kind: OrdersCsvImporter,
}

__all__ = ["IMPORTERS", "ImportReport", "Importer", "Rejection", "RowError"]
