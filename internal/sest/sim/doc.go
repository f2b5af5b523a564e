// Package sim is a simulated Servicestelle: it serves sestd's WSDLs and
// operations (internal/sest/wire) over real HTTP with a deterministic, generated
// data set, and behaves like the real service where sestd depends on it.
// Tests, benchmarks and `sestd demo` use it; `sestd sim` runs it.
//
// # Layout
//
//	POST /hochschule/webservice/<version>/<service>        SOAP 1.1 (version 2, 3 or 4)
//	GET  /hochschule/webservice/<version>/<service>?wsdl   WSDL, soap:address = this host
//	GET  /hochschule/webservice/<version>/<Name>V1_0.xsd   the schemas the WSDLs import
//	     /sim/...                                          JSON test API (no auth; bind to loopback)
//
// # Behaviour (the contract tests rely on it)
//
//   - Shape: requests are parsed like a schema-validating server does
//     (wire.ParseRequest): the request element in the service's
//     …ServiceParamV1_0, every element below it in its official namespace
//     (the context block in CommonV1_0, jahr/semester in
//     ServiceverfahrenV1_0, a Bewerbung's fields in BewerbungenV1_0, …),
//     in the schema's order, every required element present, a known
//     xsi:type on every polymorphic item, no unknown element;
//     otherwise a SOAP fault ValidierungsFehler naming the element.
//     Responses are written in the same shape by the same codec
//     (wire.Envelope), every prefix declared on the envelope; a fault's
//     detail is a ServiceFehler typed by xsi:type.
//   - Data: Config.Seed and sizes determine everything: German names with
//     umlauts, addresses, Einfachstudienangebote and two
//     Mehrfachstudienangebote: a FreieFachbezogeneStudiengangskombination
//     (Abschluss 25, six Teilfächer; the generated Mehrfach Bewerbungen are
//     for it) and an ExpliziteStudiengangskombination (Abschluss 26, three
//     Teilfächer, two allowed combinations; a Bewerbung for another
//     combination is rejected), Bewerbungen in all ten Bearbeitungsstatus values
//     (about 15% Mehrfach), Bestandteile with documents (small real PDFs,
//     generated on demand), Bescheide, Studienpakete, Ranglisten.
//     Generated letzteAenderung values are shared by groups of
//     Config.SameTimestamp items.
//   - Clock: a simulated Clock (frozen unless Config.RealTimeClock) stamps
//     every change, in milliseconds.
//   - Delta: anfragen…(start) returns references to all items with
//     letzteAenderung >= start and ende = clock now; uebermitteln…(refs)
//     returns the items' current state. References expire after
//     Config.ReferenceTTL (simulated time): the call then fails with a SOAP
//     fault UngueltigeReferenzFehler (sest.ErrReferenceExpired). Deleted
//     Bewerbungen are not reported by the delta.
//   - Sends: every stored change bumps versionSeSt. A stale version is
//     rejected with 30233 and the Servicestelle's text; an applicant
//     marked for deletion with 30235; unknown or hidden Studienangebote,
//     unknown applicants, existing/missing Bewerbungen, Bearbeitungsstatus
//     transitions the university may not make (Sestco's sest_in, sest_out,
//     uni_in, uni_out table), Bearbeitungsstatus values of a later
//     interface version than the call's (eingeschrieben,
//     nicht_eingeschrieben, Frist_ueberschritten exist from version 4 on,
//     also in Teilfachbewerbungen), invalid Ranglisten (unknown Studienpaket,
//     bad Klausel combinations, an Unterbelegungsklausel passing places to
//     a Ranglisten type not in the Vergabeschema, duplicate ranks or
//     applicants, unknown applicants, missing Kopfdaten for a new list)
//     are rejected per item. Reasons end in " [Fehlercode: N]"; codes
//     other than 30233 and 30235 are the simulator's own (the Code*
//     constants).
//   - Vergabeschema: it is set up in the web GUI and cannot be read
//     through the web service, so the sim takes it from the Ranglisten:
//     a Rangliste's type (id_nr) is its key's part after the last "-"
//     (sestd's "<studienpaket>-<id_nr>"; the generated lists are of types
//     VQ and HQ), and the Vergabeschema is the types of every Rangliste
//     held, for any Studienpaket, plus those sent with Kopfdaten in the
//     same call. The generated Ranglisten pass the sim's own checks.
//   - Faults: an unknown Hochschulnummer is a SOAP fault
//     UnbekannteHochschuleFehler with the manual's German faultstring; a
//     version, Jahr/Semester or Vermittlungsprozesstyp mismatch is a
//     ValidierungsFehler; wrong basic-auth credentials get HTTP 401.
//   - Fault injection per operation (SetFault, Config.Faults, or PUT
//     /sim/faults/<operation>): latency, SOAP fault, HTTP error, hang,
//     truncated or malformed body, each with a rate, optionally for the
//     next N calls only.
//   - Recording: every request is kept (raw body and decoded message, see
//     Received), so tests can assert exactly what was sent, and once.
//
// # Go test API
//
// Snapshots (deep copies, Timestamps in UTC): Bewerbungen, Bewerbung(key),
// AllBewerber, Bewerber(id) (with BAN), Studienangebote, Studienpakete,
// Ranglisten, Ranglistenstatus, Dokument(id), DokumentIDs. Changes (each
// stamps the clock and bumps version): ChangeBewerbung, SetBearbeitungsstatus,
// AddBewerbung, DeleteBewerbung, ChangeBewerber, AddBewerber,
// MarkBewerberForDeletion, SetRanglistenstatus, InjectDokument (e.g. a
// file name "../../etc/x.pdf"), Churn(n). Clock: Clock().Now/Set/Advance/
// SetRunning. Faults: SetFault, ClearFaults. Recording: Received,
// ResetReceived.
//
// # HTTP test API (JSON)
//
//	GET    /sim/state                         counts and clock
//	POST   /sim/clock                         {"set": RFC3339, "advance": "1h", "running": bool}
//	PUT    /sim/faults/<operation|*>          {"fault": {"latency": "250ms", "fault_rate": 1, "http_error_rate": 0.1, "http_status": 503,
//	                                           "hang_rate": 1, "hang_for": "1m", "truncate_rate": 1, "malformed_rate": 1, "times": 1}}
//	DELETE /sim/faults                        clear all faults
//	POST   /sim/churn                         {"n": 100}
//	POST   /sim/bewerbungen/status            {"key": "<bewerberId>/<studiengang>", "status": "gueltig"}
//	POST   /sim/bewerbungen/touch             {"key": …}  (version+1, no other change)
//	POST   /sim/bewerbungen/add               {"bewerbung": sestmodel.Bewerbung as JSON}
//	POST   /sim/bewerbungen/delete            {"key": …}
//	POST   /sim/bewerber/add                  {"bewerber": sestmodel.Bewerber as JSON, "ban": …}
//	POST   /sim/bewerber/change               {"id": …, "email": …, "telefonnummer": …, "nachname": …}
//	POST   /sim/bewerber/mark-deletion        {"id": …}
//	POST   /sim/ranglisten/status             {"key": "<ranglistenSchluessel>", "status": "freigegeben", "anmerkung": …}
//	POST   /sim/dokumente                     {"id": "<bewerberId>", "dateiname": "../../etc/x.pdf", "content_base64": …}
//	GET    /sim/received?operation=<op>       recorded calls with raw bodies
//	DELETE /sim/received
//	GET    /sim/snapshot/{bewerbungen,bewerber,studienangebote,studienpakete,ranglisten,ranglistenstatus}
//
// # Wiring `sestd sim` (cmd/sestd)
//
//	s, err := sim.New(sim.Config{
//		Listen: *listen, Seed: *seed, Bewerber: *bewerber, Bewerbungen: *bewerbungen,
//		Churn: *churn, Hochschulnummer: *hochschulnummer,
//		Username: *username, Password: *password,
//		RealTimeClock: true, Log: log,
//	})
//	if err != nil {
//		return err
//	}
//	return s.ListenAndServe(ctx) // returns when ctx is done
//
// The client's base URL is then sim.BaseURL(listen, 3), e.g.
// http://127.0.0.1:8089/hochschule/webservice/3. In tests use
// httptest.NewServer(s.Handler()).
package sim
