"""Length limits shared by the review form, the model and the database constraints."""

TITLE_MAX = 150
TEXT_MAX = 5000
REPORT_NOTE_MAX = 1000
