package sim

import (
	"strings"

	"sestd/internal/sest/wire"
	"sestd/internal/sestmodel"
)

// The Dokumente service: documents by DokumentID.

func (s *Sim) abrufenDokumente(req *wire.DokumenteRequest) *wire.DokumentListe {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := &wire.DokumentListe{}
	for _, id := range req.DokumentID {
		d, ok := s.st.dokumente[id]
		if !ok {
			continue
		}
		content := d.content
		if content == nil {
			content = pdfFor(id, d.dateiname)
		}
		ext := ""
		if i := strings.LastIndexByte(d.dateiname, '.'); i >= 0 {
			ext = d.dateiname[i+1:]
		}
		out.Dokument = append(out.Dokument, sestmodel.Dokument{DokumentID: id, BewerberID: d.bewerberID, Dateiname: d.dateiname,
			Dateiendung: ext, MimeType: d.mime, Inhalt: content})
	}
	return out
}
