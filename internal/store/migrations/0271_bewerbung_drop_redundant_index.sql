-- bewerbung_studienangebot_idx (0010) indexes the first column of
-- bewerbung_angebot_bewerber_idx (0101: studienangebot_schluessel,
-- bearbeitungsstatus, bewerber_id), which serves every lookup by
-- Studienangebot as well. Each mirrored Bewerbung paid for both (issue 19).
DROP INDEX bewerbung_studienangebot_idx;
