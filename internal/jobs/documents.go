package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.uber.org/zap"

	"sestd/internal/fsutil"
	"sestd/internal/sestmodel"
	"sestd/internal/store"
)

// dokumentPackage is how many documents one abrufenDokumenteDurchHS call
// fetches (Sestco's DOKUMENT_AMOUNT).
const dokumentPackage = 10

// documents downloads every mirrored document reference not yet on disk
// with its recorded checksum, in packages of ten, into the document root.
func (s *syncer) documents(ctx context.Context) error {
	log := Logger(ctx)
	root := s.deps.Config.Sync.DocumentRoot
	if err := fsutil.MkdirPrivate(root); err != nil {
		return err
	}
	refs, err := s.deps.Store.DokumentList(ctx)
	if err != nil {
		return err
	}
	var todo []store.DokumentRef
	for _, r := range refs {
		if r.Path == "" || !fileHasSum(filepath.Join(root, r.Path), r.SHA256) {
			todo = append(todo, r)
		}
	}
	log.Info("documents to download", zap.Int("count", len(todo)), zap.Int("known", len(refs)))
	written, skipped := 0, 0
	for i := 0; i < len(todo); i += dokumentPackage {
		if err := ctx.Err(); err != nil {
			return err
		}
		batch := todo[i:min(i+dokumentPackage, len(todo))]
		ids := make([]string, len(batch))
		for j, r := range batch {
			ids[j] = r.DokumentID
		}
		docs, err := s.sest.DokumenteAbrufen(ctx, ids)
		if err != nil {
			return classify(fmt.Errorf("fetching documents %d-%d of %d: %w", i+1, i+len(batch), len(todo), err))
		}
		downloads := make([]store.Download, 0, len(docs))
		for _, d := range docs {
			name := DocumentFileName(d)
			sum := sha256.Sum256(d.Inhalt)
			hexSum := hex.EncodeToString(sum[:])
			path := filepath.Join(root, name)
			if fileHasSum(path, hexSum) {
				skipped++
			} else {
				if err := fsutil.WriteFileNoDirSync(path, d.Inhalt); err != nil {
					return err
				}
				written++
			}
			downloads = append(downloads, store.Download{DokumentID: d.DokumentID, Path: name, SHA256: hexSum, Size: int64(len(d.Inhalt))})
		}
		if err := fsutil.SyncDir(root); err != nil {
			return err
		}
		if err := s.deps.Store.DokumentMarkDownloaded(ctx, downloads); err != nil {
			return err
		}
		if (i/dokumentPackage)%50 == 0 || i+dokumentPackage >= len(todo) {
			log.Info("documents progress", zap.Int("done", min(i+dokumentPackage, len(todo))), zap.Int("total", len(todo)))
		}
	}
	log.Info("documents downloaded", zap.Int("written", written), zap.Int("unchanged", skipped))
	return nil
}

// DocumentFileName is `{bewerberId}_{dokumentId}.{ext}`, or
// `{dokumentId}.{ext}` for a document of no applicant. Every part is
// reduced to letters, digits, '-' and '_': names from the Servicestelle
// never choose a directory.
func DocumentFileName(d sestmodel.Dokument) string {
	ext := d.Dateiendung
	if ext == "" {
		ext = filepath.Ext(d.Dateiname)
	}
	ext = safePart(strings.TrimPrefix(ext, "."))
	if len(ext) > 10 {
		ext = ext[:10]
	}
	if ext == "" {
		ext = "bin"
	}
	name := safePart(d.DokumentID)
	if b := safePart(d.BewerberID); b != "" {
		name = b + "_" + name
	}
	return name + "." + strings.ToLower(ext)
}

func safePart(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return -1
	}, s)
}

func fileHasSum(path, want string) bool {
	if want == "" {
		return false
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]) == want
}
