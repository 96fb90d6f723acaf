package sqs

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/exactjson"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/pagetoken"
)

// ListQueues is the gateway interceptor for the "sqs" signing name that pages ListQueues as SQS
// does: with MaxResults (1 to 1,000) it answers at most that many queues and a NextToken while
// more remain. fauxqs cut the list at MaxResults and gave no token, so a client that pages (the
// AWS CLI's --page-size, an SDK paginator) saw the first page only. The queues are listed in the
// order of their URLs, and a token names the last one answered: a page starts after it whatever
// was created or deleted meanwhile, and is good only for the same QueueNamePrefix. A request with
// neither MaxResults nor NextToken goes on to the emulator, which answers every queue.
func ListQueues(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") != "AmazonSQS.ListQueues" {
			next.ServeHTTP(w, r)
			return
		}
		body, err := gateway.PeekBody(r, maxCheckedBody)
		var in struct {
			QueueNamePrefix *string
			MaxResults      *int64
			NextToken       *string
		}
		if err != nil || exactjson.Unmarshal(body, &in) != nil || in.MaxResults == nil && in.NextToken == nil {
			next.ServeHTTP(w, r)
			return
		}
		size, bad := pageSize(in.MaxResults)
		if bad != "" {
			writeError(w, "InvalidParameterValue", bad)
			return
		}
		prefix := ""
		if in.QueueNamePrefix != nil {
			prefix = *in.QueueNamePrefix
		}
		listing := pagetoken.Scope("ListQueues", prefix)
		after := ""
		if in.NextToken != nil && *in.NextToken != "" {
			var ok bool
			if after, ok = pagetoken.Last(*in.NextToken, listing); !ok {
				writeError(w, "InvalidParameterValue", "Invalid NextToken: it was not given for a ListQueues with this QueueNamePrefix.")
				return
			}
		}
		// Every queue of the prefix from the emulator, then the page cut here.
		all, _ := json.Marshal(map[string]any{"QueueNamePrefix": in.QueueNamePrefix})
		rec := gateway.NewResponseBuffer()
		next.ServeHTTP(rec, withBody(r, all))
		var out struct{ QueueUrls []string }
		if rec.Status() != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &out) != nil {
			rec.SendTo(w)
			return
		}
		page, last := pageAfter(slices.Sorted(slices.Values(out.QueueUrls)), after, size)
		answer := map[string]any{}
		if len(page) > 0 {
			answer["QueueUrls"] = page
		}
		if last != "" {
			answer["NextToken"] = pagetoken.After(listing, last)
		}
		b, _ := json.Marshal(answer)
		rec.Body.Reset()
		rec.Body.Write(b)
		rec.SendTo(w)
	})
}

// pageSize is a listing's page size from its MaxResults (1 to 1,000; maxListQueues when none is
// given), or SQS's message refusing it.
func pageSize(maxResults *int64) (int, string) {
	if maxResults == nil {
		return maxListQueues, ""
	}
	if n := *maxResults; n < 1 || n > maxListQueues {
		return 0, fmt.Sprintf("Value %d for parameter MaxResults is invalid. Reason: must be between 1 and %d.", n, maxListQueues)
	}
	return int(*maxResults), ""
}

// pageAfter cuts a page of at most size URLs from the sorted urls, starting after the URL after
// (the last of the page before; "" for the first page), and returns the page's last URL when more
// remain after it ("" when none do).
func pageAfter(urls []string, after string, size int) (page []string, last string) {
	start, _ := slices.BinarySearch(urls, after)
	if start < len(urls) && urls[start] == after {
		start++
	}
	page = urls[start:min(len(urls), start+size)]
	if start+len(page) < len(urls) {
		last = page[len(page)-1]
	}
	return page, last
}

// maxListQueues is the most queues one ListQueues answers (its MaxResults: "Value range is 1 to
// 1000").
const maxListQueues = 1000
