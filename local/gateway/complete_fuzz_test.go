package gateway

import (
	"encoding/xml"
	"regexp"
	"slices"
	"strconv"
	"testing"
)

// emulatorParts reads a CompleteMultipartUpload body as the emulator does
// (node_modules/fauxqs/dist/s3/actions/completeMultipartUpload.js): a pattern of <Part> with a
// <PartNumber> then an <ETag>, the five named entities decoded.
var emulatorPart = regexp.MustCompile(`<Part>\s*<PartNumber>(\d+)</PartNumber>\s*<ETag>([\s\S]*?)</ETag>\s*</Part>`)

type readPart struct {
	Number int
	ETag   string
}

// FuzzCompleteBody: any bytes as a CompleteMultipartUpload body. completeBody never panics, and a
// body it passes on is read by the emulator as the parts encoding/xml read of the one sent: the
// object is assembled from the parts the client named, no other and none fewer.
func FuzzCompleteBody(f *testing.F) {
	f.Add([]byte(`<CompleteMultipartUpload><Part><ChecksumCRC32>NjowIA==</ChecksumCRC32><ETag>&#34;c7&#34;</ETag><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>`))
	f.Add([]byte(`<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>"a&amp;b</ETag></Part><!-- <Part><PartNumber>3</PartNumber><ETag>x</ETag></Part> --></CompleteMultipartUpload>`))
	f.Add([]byte(`<CompleteMultipartUpload><Part><ETag>&lt;/ETag&gt;</ETag><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		out, err := completeBody(body)
		if err != nil {
			return
		}
		var sent struct {
			Parts []struct {
				PartNumber int    `xml:"PartNumber"`
				ETag       string `xml:"ETag"`
			} `xml:"Part"`
		}
		if err := xml.Unmarshal(body, &sent); err != nil {
			t.Fatalf("passed on a body encoding/xml does not read: %v", err)
		}
		var want, got []readPart
		for _, p := range sent.Parts {
			want = append(want, readPart{p.PartNumber, p.ETag})
		}
		for _, m := range emulatorPart.FindAllStringSubmatch(string(out), -1) {
			n, _ := strconv.Atoi(m[1])
			got = append(got, readPart{n, emulatorUnescape(m[2])})
		}
		if !slices.Equal(got, want) {
			t.Fatalf("sent %q\npassed on %q\nthe emulator reads %v, the client named %v", body, out, got, want)
		}
	})
}
