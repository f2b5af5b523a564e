-- The mirror's removals (0090) and the Servicestelle's status changes the
-- Bearbeitungsstatus table forbids (0091) are exported to the university
-- with the other uni views (0095 lists them).
INSERT INTO export_kind (name, position) VALUES
    ('entfernungen', 90), ('unzulaessige_statusaenderungen', 100);
