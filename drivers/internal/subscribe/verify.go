package subscribe

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CSVHeader is the first line of every converted document (functions/etl).
var CSVHeader = []string{"objectName", "submissionDate", "author", "formatVersion"}

// dateLayout is the seed publisher's "%d-%b-%Y %H:%M:%S".
const dateLayout = "02-Jan-2006 15:04:05"

// VerifyCSV checks a converted document: the header, then exactly one row
// whose objectName is the document the key was made from
// (output/<name>.csv ← <name>), a submissionDate in the publisher's layout,
// an author and a numeric formatVersion.
func VerifyCSV(key string, b []byte) error {
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		return fmt.Errorf("not CSV: %w", err)
	}
	if len(recs) == 0 || !slices.Equal(recs[0], CSVHeader) {
		var got []string
		if len(recs) > 0 {
			got = recs[0]
		}
		return fmt.Errorf("header %q, want %q", strings.Join(got, ","), strings.Join(CSVHeader, ","))
	}
	if len(recs) != 2 {
		return fmt.Errorf("%d rows after the header, want 1", len(recs)-1)
	}
	row := recs[1]
	if len(row) != len(CSVHeader) {
		return fmt.Errorf("row has %d fields, want %d", len(row), len(CSVHeader))
	}
	if want := strings.TrimSuffix(path.Base(key), ".csv"); row[0] != want {
		return fmt.Errorf("objectName %q, want %q (from the key)", row[0], want)
	}
	if _, err := time.Parse(dateLayout, row[1]); err != nil {
		return fmt.Errorf("submissionDate %q is not %q", row[1], dateLayout)
	}
	if row[2] == "" {
		return fmt.Errorf("author is empty")
	}
	if _, err := strconv.ParseFloat(row[3], 64); err != nil {
		return fmt.Errorf("formatVersion %q is not a number", row[3])
	}
	return nil
}
