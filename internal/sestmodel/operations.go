package sestmodel

// Operation names: the Servicestelle's SOAP operations. They are data as
// well as wire names: the upload log records the operation an item was
// sent or fetched with. The codec in internal/sest maps each to its
// service and messages.
const (
	OpAnlegenAendernStudienangebote   = "anlegenAendernStudienangeboteDurchHS"
	OpAbrufenStudienangebote          = "abrufenStudienangeboteDurchHS"
	OpAbrufenStammdaten               = "abrufenStammdatenDurchHS"
	OpAnfragenStammdatenaenderungen   = "anfragenStammdatenaenderungenDurchHS"
	OpUebermittelnStammdatenaenderung = "uebermittelnStammdatenaenderungAnHS"
	OpAbrufenStammdatenOhneAuth       = "abrufenStammdatenDurchHSohneAutorisierung"
	OpUebermittelnNeueBewerbungen     = "uebermittelnNeueBewerbungenAnSeSt"
	OpUebermittelnGeaenderteBew       = "uebermittelnGeaenderteBewerbungenAnSeSt"
	OpAnfragenBewerbungen             = "anfragenNeueGeaenderteBewerbungenDurchHS"
	OpUebermittelnBewerbungen         = "uebermittelnNeueGeaenderteBewerbungenAnHS"
	OpAbrufenBewerbungen              = "abrufenBewerbungenDurchHS"
	OpAnlegenAendernStudienpakete     = "anlegenAendernStudienpaketeDurchHS"
	OpUebermittelnRanglisten          = "uebermittelnRanglistenAnSeSt"
	OpAnfragenRanglistenstatus        = "anfragenGeaenderteRanglistenstatusDurchHS"
	OpUebermittelnRanglistenstatus    = "uebermittelnGeaenderteRanglistenstatusAnHS"
	OpAbrufenRanglistenstatus         = "abrufenRanglistenstatusDurchHS"
	OpAusloesenZulassungsangebote     = "ausloesenFruehzeitigerZulassungsangeboteDurchHS"
	OpAbrufenStudienpakete            = "abrufenStudienpaketeDurchHS"
	OpAbrufenDokumente                = "abrufenDokumenteDurchHS"
)
