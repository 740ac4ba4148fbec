"""Length limits shared by the review form, the model and the database constraints."""

TITLE_MAX = 150
TEXT_MAX = 5000
REPORT_NOTE_MAX = 1000
# A moderator's note on a decision (the desk and the admin require one): the review's
# hidden_reason and trust_override_note hold it, as does the audit log.
NOTE_MAX = 300
