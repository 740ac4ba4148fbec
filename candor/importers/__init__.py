"""Importers: one base class; each source is a small subclass with its column mapping."""

from candor.importers.amazon import AmazonImporter
from candor.importers.base import Importer, ImportReport, Rejection, RowError
from candor.importers.books import BooksCsvImporter
from candor.importers.library_exports import GoodreadsImporter, StoryGraphImporter
from candor.importers.orders import OrdersCsvImporter

IMPORTERS: dict[str, type[Importer]] = {
    importer.kind: importer
    for importer in (
        AmazonImporter,
        BooksCsvImporter,
        GoodreadsImporter,
        OrdersCsvImporter,
        StoryGraphImporter,
    )
}

__all__ = ["IMPORTERS", "ImportReport", "Importer", "Rejection", "RowError"]
