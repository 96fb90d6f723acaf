package esm

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/local/gateway"
	"github.com/chaoslab/serverless-chaos-lab/local/internal/lambdaname"
	"github.com/chaoslab/serverless-chaos-lab/local/lambda"
)

// The mappings as Lambda's API answers them: ListEventSourceMappings, GetEventSourceMapping, and
// UpdateEventSourceMapping of Enabled, which stops a mapping's polling (its batches in flight
// finish) and starts it again, as "the trigger is switched off" is an outage to practise on.
// Interceptor serves them under the "lambda" signing name; the rest of the Lambda API passes on.

// Info is a mapping as GetEventSourceMapping describes it.
type Info struct {
	UUID           string
	Mapping        Mapping
	State          string // Enabled, Enabling (switched on again, not polling yet), Disabling (its pollers still returning) or Disabled
	LastModified   time.Time
	concurrencySet bool // ScalingConfig given
}

// stateTransitionReason is every mapping's StateTransitionReason: made or changed by its user.
const stateTransitionReason = "USER_INITIATED"

// ErrNotFound is the error of a mapping that does not exist.
var ErrNotFound = errors.New("event source mapping not found")

// List returns the mappings, sorted by UUID.
func (s *Service) List() []Info {
	s.mu.Lock()
	ps := make([]*poller, 0, len(s.mappings))
	for _, p := range s.mappings {
		ps = append(ps, p)
	}
	s.mu.Unlock()
	out := make([]Info, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.info())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UUID < out[j].UUID })
	return out
}

// lookup is the mapping uuid, or ErrNotFound.
func (s *Service) lookup(uuid string) (*poller, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.mappings[uuid]; p != nil {
		return p, nil
	}
	return nil, fmt.Errorf("%s: %w", uuid, ErrNotFound)
}

// Get returns the mapping uuid.
func (s *Service) Get(uuid string) (Info, error) {
	p, err := s.lookup(uuid)
	if err != nil {
		return Info{}, err
	}
	return p.info(), nil
}

// SetEnabled stops the mapping's polling (enabled false: Disabling at once, then Disabled when the
// batches in flight have finished; its messages wait in the queue) or starts it again.
func (s *Service) SetEnabled(uuid string, enabled bool) (Info, error) {
	p, err := s.lookup(uuid)
	if err != nil {
		return Info{}, err
	}
	p.state.Lock()
	defer p.state.Unlock()
	if now, _ := s.lookup(uuid); now != p { // deleted meanwhile
		return Info{}, fmt.Errorf("%s: %w", uuid, ErrNotFound)
	}
	if p.disabled == !enabled {
		return p.info(), nil
	}
	p.mu.Lock()
	if enabled {
		p.gen = newGeneration(s.ctx) // the old one, if still finishing, goes on until its batches are done
		p.disabled, p.stopping = false, false
		p.starting = p.gen // Enabling until a poller of it polls, as Lambda answers Enabling
	} else {
		// Answered at once, as Lambda answers Disabling: the pollers return, their batches in flight
		// finish (a function that switches off its own trigger is one of them), then it is Disabled.
		g := p.gen
		g.cancel()
		p.disabled, p.stopping = true, true
		go func() {
			g.wg.Wait()
			p.mu.Lock()
			if p.gen == g {
				p.stopping = false
			}
			p.mu.Unlock()
		}()
	}
	p.modified = time.Now()
	p.mu.Unlock()
	answer := p.info() // Enabling, before the pollers start (they end it once they poll)
	if enabled {
		p.scaleTo(idlePollers)
	}
	s.opts.Logger.Info("event source mapping updated", "uuid", uuid, "enabled", enabled)
	return answer, nil
}

func (p *poller) info() Info {
	p.mu.Lock()
	defer p.mu.Unlock()
	state := "Enabled"
	switch {
	case !p.disabled && p.starting != nil && p.starting == p.gen:
		state = "Enabling"
	case p.disabled && p.stopping:
		state = "Disabling"
	case p.disabled:
		state = "Disabled"
	}
	return Info{UUID: p.uuid, Mapping: p.m, State: state, LastModified: p.modified, concurrencySet: p.concurrencySet}
}

// mappingConfiguration is Lambda's EventSourceMappingConfiguration, the members an SQS mapping has.
type mappingConfiguration struct {
	UUID                           string         `json:"UUID"`
	BatchSize                      int            `json:"BatchSize"`
	MaximumBatchingWindowInSeconds int            `json:"MaximumBatchingWindowInSeconds"`
	EventSourceArn                 string         `json:"EventSourceArn"`
	FunctionArn                    string         `json:"FunctionArn"`
	LastModified                   float64        `json:"LastModified"`
	State                          string         `json:"State"`
	StateTransitionReason          string         `json:"StateTransitionReason"`
	FunctionResponseTypes          []string       `json:"FunctionResponseTypes"`
	ScalingConfig                  *scalingConfig `json:"ScalingConfig,omitempty"`
	EventSourceMappingArn          string         `json:"EventSourceMappingArn"`
}

type scalingConfig struct {
	MaximumConcurrency int `json:"MaximumConcurrency"`
}

func (s *Service) configuration(i Info) mappingConfiguration {
	c := mappingConfiguration{UUID: i.UUID, BatchSize: i.Mapping.BatchSize, MaximumBatchingWindowInSeconds: int(i.Mapping.BatchingWindow / time.Second),
		EventSourceArn: i.Mapping.QueueARN, FunctionArn: s.arn("function:" + i.Mapping.FunctionName),
		LastModified: float64(i.LastModified.UnixMilli()) / 1e3, State: i.State, StateTransitionReason: stateTransitionReason,
		FunctionResponseTypes: []string{}, EventSourceMappingArn: s.arn("event-source-mapping:" + i.UUID)}
	if i.concurrencySet { // as Lambda answers it: only when set
		c.ScalingConfig = &scalingConfig{i.Mapping.MaximumConcurrency}
	}
	if i.Mapping.ReportBatchItemFailures {
		c.FunctionResponseTypes = []string{"ReportBatchItemFailures"}
	}
	return c
}

func (s *Service) arn(resource string) string {
	return "arn:aws:lambda:" + s.opts.Region + ":" + s.opts.AccountID + ":" + resource
}

// mappingsPath is where Lambda's API has the mappings.
const mappingsPath = "/2015-03-31/event-source-mappings/"

// listPage is ListEventSourceMappings' MaxItems when not given (and its maximum).
const listPage = 100

// Interceptor answers the mappings' operations of the Lambda API; every other request goes to next.
func (s *Service) Interceptor(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path+"/", mappingsPath)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		uuid := strings.TrimSuffix(rest, "/")
		switch {
		case uuid == "" && r.Method == http.MethodGet:
			s.serveList(w, r)
		case uuid != "" && !strings.Contains(uuid, "/") && r.Method == http.MethodGet:
			i, err := s.Get(uuid)
			s.answer(w, http.StatusOK, i, err)
		case uuid != "" && !strings.Contains(uuid, "/") && r.Method == http.MethodPut:
			s.serveUpdate(w, r, uuid)
		default:
			lambda.WriteAPIError(w, http.StatusBadRequest, "UnknownOperationException", "the local Lambda does not serve "+r.Method+" "+r.URL.Path+
				" (of the event source mappings: ListEventSourceMappings, GetEventSourceMapping, UpdateEventSourceMapping of Enabled)")
		}
	})
}

func (s *Service) serveList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	n := listPage
	if v := q.Get("MaxItems"); v != "" {
		m, err := strconv.Atoi(v)
		if err != nil || m < 1 || m > 10000 {
			lambda.WriteAPIError(w, http.StatusBadRequest, "ValidationException", fmt.Sprintf("1 validation error detected: Value '%s' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000", v))
			return
		}
		n = min(m, listPage)
	}
	fn, source := q.Get("FunctionName"), q.Get("EventSourceArn")
	// FunctionName as Lambda reads it: a name, a partial or full ARN, $LATEST or no qualifier.
	ref, ok := lambdaname.Parse(fn)
	ours := ok && (ref.Qualifier == "" || ref.Qualifier == "$LATEST") && // else no function of this cloud's: no mapping
		(ref.Region == "" || ref.Region == s.opts.Region) && (ref.Account == "" || ref.Account == s.opts.AccountID)
	var list []mappingConfiguration
	for _, i := range s.List() {
		if fn != "" && (!ours || ref.Name != i.Mapping.FunctionName) || source != "" && source != i.Mapping.QueueARN {
			continue
		}
		list = append(list, s.configuration(i))
	}
	// A marker is the last UUID answered: the next page starts after it.
	if marker := q.Get("Marker"); marker != "" {
		at := slices.IndexFunc(list, func(c mappingConfiguration) bool { return c.UUID > marker })
		if at < 0 {
			at = len(list)
		}
		list = list[at:]
	}
	out := struct {
		EventSourceMappings []mappingConfiguration `json:"EventSourceMappings"`
		NextMarker          string                 `json:"NextMarker,omitempty"`
	}{EventSourceMappings: []mappingConfiguration{}}
	if len(list) > n {
		out.NextMarker = list[n-1].UUID
		list = list[:n]
	}
	out.EventSourceMappings = append(out.EventSourceMappings, list...)
	writeJSON(w, http.StatusOK, out)
}

func (s *Service) serveUpdate(w http.ResponseWriter, r *http.Request, uuid string) {
	var in map[string]json.RawMessage
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		lambda.WriteAPIError(w, http.StatusBadRequest, "InvalidParameterValueException", "the request body is not a JSON object: "+err.Error())
		return
	}
	var enabled *bool
	for k, v := range in {
		if k != "Enabled" {
			lambda.WriteAPIError(w, http.StatusBadRequest, "InvalidParameterValueException",
				fmt.Sprintf("%s: the local Lambda updates a mapping's Enabled only (give the rest in the template, and deploy it again)", k))
			return
		}
		if json.Unmarshal(v, &enabled) != nil || enabled == nil {
			lambda.WriteAPIError(w, http.StatusBadRequest, "InvalidParameterValueException", "Enabled: want true or false")
			return
		}
	}
	if enabled == nil {
		i, err := s.Get(uuid)
		s.answer(w, http.StatusAccepted, i, err)
		return
	}
	i, err := s.SetEnabled(uuid, *enabled)
	s.answer(w, http.StatusAccepted, i, err)
}

func (s *Service) answer(w http.ResponseWriter, status int, i Info, err error) {
	if errors.Is(err, ErrNotFound) {
		lambda.WriteAPIError(w, http.StatusNotFound, "ResourceNotFoundException", "The resource you requested does not exist. (Service: Lambda, Status Code: 404, Request ID: "+gateway.RequestID(w)+") "+err.Error())
		return
	}
	if err != nil {
		lambda.WriteAPIError(w, http.StatusInternalServerError, "ServiceException", err.Error())
		return
	}
	writeJSON(w, status, s.configuration(i))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
