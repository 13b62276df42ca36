package admin

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/lyssna/lyssna/episodes"
)

// formState is a form as the producer filled it in: every value by input
// name, the rows of each list, and the error to show beside its field.
// Input names follow the API's field names ("owner.email",
// "references[2].doi"), so a *episodes.Error lands on its input.
type formState struct {
	Values map[string]string
	Lists  map[string][]map[string]string
	Err    *episodes.Error
}

func newFormState() *formState {
	return &formState{Values: map[string]string{}, Lists: map[string][]map[string]string{}}
}

// fieldView is one input as the "field" template renders it.
type fieldView struct {
	Name, ID, Label, Kind, Value, Hint, Error string
	Required                                  bool
	Options                                   []string // the choices of a "select"
}

// inputID turns an input name into an element id: "references[2].doi" -> "f-references-2-doi".
func inputID(name string) string {
	r := strings.NewReplacer("[", "-", "]", "", ".", "-", "_", "-")
	return "f-" + r.Replace(name)
}

// errorField maps a validation error's field to the input that shows it.
func errorField(field string) string {
	switch {
	case strings.HasPrefix(field, "categories[") && strings.Contains(field, "]."):
		return field[:strings.Index(field, "].")+1]
	case strings.Contains(field, ".authors["):
		return field[:strings.Index(field, ".authors[")+len(".authors")]
	case strings.HasPrefix(field, "block_platforms["):
		return "block_platforms"
	case field == "image_url":
		return "artwork"
	case field == "episode_type":
		return "type"
	}
	return field
}

// setError records err for display beside its input when it is a domain
// error (*episodes.Error) that names a field; it reports whether it was one.
func (f *formState) setError(err error) bool {
	de, ok := episodes.AsError(err)
	if !ok || de.Field == "" {
		return false
	}
	f.Err = &episodes.Error{Kind: de.Kind, Field: errorField(de.Field), Message: de.Message}
	return true
}

// status is the HTTP status of the page that shows the form's error: the
// status the API answers the same error with.
func (f *formState) status() int {
	if f.Err == nil {
		return http.StatusOK
	}
	return f.Err.Kind.Status()
}

// ErrorFor is the message for the named input, if the error concerns it.
func (f *formState) ErrorFor(name string) string {
	if f.Err != nil && f.Err.Field == name {
		return f.Err.Message
	}
	return ""
}

// ErrorID is the id of the input the error concerns, for the summary's link.
func (f *formState) ErrorID() string {
	if f.Err == nil {
		return ""
	}
	return inputID(f.Err.Field)
}

// DescribedBy lists the ids of the hint and error that describe the input.
func (v fieldView) DescribedBy() string {
	var ids []string
	if v.Hint != "" {
		ids = append(ids, v.ID+"-hint")
	}
	if v.Error != "" {
		ids = append(ids, v.ID+"-error")
	}
	return strings.Join(ids, " ")
}

// Check builds the view of a checkbox; Value is "on" when ticked.
func (f *formState) Check(name, label, hint string) fieldView {
	v := f.Field(name, label, "checkbox", hint)
	v.Value = ""
	if f.Checked(name) {
		v.Value = "on"
	}
	return v
}

// Field builds the view of one scalar input.
func (f *formState) Field(name, label, kind, hint string) fieldView {
	return fieldView{Name: name, ID: inputID(name), Label: label, Kind: kind, Value: f.Values[name], Hint: hint, Error: f.ErrorFor(name)}
}

// Checked reports whether a checkbox was ticked.
func (f *formState) Checked(name string) bool {
	return f.Values[name] == "on" || f.Values[name] == "true"
}

// listDef describes an ordered list edited as indexed inputs.
type listDef struct {
	Name   string // input name prefix, the API's field name
	Legend string
	Item   string // one item's name, for button labels
	Hint   string
	Fields []listField
}

// listField is one input of a list item; Key "" means the item is a plain
// string. A Kind "select" offers Options.
type listField struct {
	Key, Label, Kind, Hint string
	Options                []string
}

// listView is one list as the "list" template renders it.
type listView struct {
	Def      listDef
	ID       string
	Rows     []rowView
	Template rowView
	Error    string
}

// rowView is one item of a list.
type rowView struct {
	List   string
	Item   string
	Index  int
	Number int
	Fields []fieldView
	Last   bool
}

// rowPlaceholder stands for the index in the template row the script clones.
const rowPlaceholder = 9999

// List builds the view of one list.
func (f *formState) List(def listDef) listView {
	rows := f.Lists[def.Name]
	v := listView{Def: def, ID: inputID(def.Name), Error: f.ErrorFor(def.Name)}
	for i, row := range rows {
		v.Rows = append(v.Rows, f.row(def, i, row, i == len(rows)-1))
	}
	v.Template = f.row(def, rowPlaceholder, nil, true)
	return v
}

func (f *formState) row(def listDef, i int, row map[string]string, last bool) rowView {
	rv := rowView{List: def.Name, Item: def.Item, Index: i, Number: i + 1, Last: last}
	for _, lf := range def.Fields {
		name := fmt.Sprintf("%s[%d]", def.Name, i)
		if lf.Key != "" {
			name += "." + lf.Key
		}
		fv := fieldView{Name: name, ID: inputID(name), Label: lf.Label, Kind: lf.Kind, Hint: lf.Hint, Value: row[lf.Key], Options: lf.Options}
		if i != rowPlaceholder {
			fv.Error = f.ErrorFor(name)
		}
		rv.Fields = append(rv.Fields, fv)
	}
	return rv
}

var listInputRE = regexp.MustCompile(`^([a-z_]+)\[(\d{1,6})\](?:\.([a-z_]+))?$`)

// readForm copies a submitted form: scalars by name, list items grouped by
// list and ordered by their index (the script may leave gaps).
func readForm(form url.Values, defs []listDef) *formState {
	f := newFormState()
	isList := map[string]bool{}
	for _, d := range defs {
		isList[d.Name] = true
	}
	byIndex := map[string]map[int]map[string]string{}
	for name, vs := range form {
		v := strings.ReplaceAll(vs[0], "\r\n", "\n")
		if m := listInputRE.FindStringSubmatch(name); m != nil && isList[m[1]] {
			i, _ := strconv.Atoi(m[2])
			if byIndex[m[1]] == nil {
				byIndex[m[1]] = map[int]map[string]string{}
			}
			if byIndex[m[1]][i] == nil {
				byIndex[m[1]][i] = map[string]string{}
			}
			byIndex[m[1]][i][m[3]] = v
			continue
		}
		f.Values[name] = v
	}
	for list, rows := range byIndex {
		idx := make([]int, 0, len(rows))
		for i := range rows {
			idx = append(idx, i)
		}
		sort.Ints(idx)
		for _, i := range idx {
			f.Lists[list] = append(f.Lists[list], rows[i])
		}
	}
	return f
}

// applyListAction performs a list button pressed without the script:
// "add:LIST", "remove:LIST:I", "up:LIST:I" or "down:LIST:I". It reports
// whether action was one.
func (f *formState) applyListAction(action string, defs []listDef) bool {
	parts := strings.Split(action, ":")
	if len(parts) < 2 {
		return false
	}
	known := false
	for _, d := range defs {
		known = known || d.Name == parts[1]
	}
	if !known {
		return false
	}
	rows := f.Lists[parts[1]]
	if parts[0] == "add" && len(parts) == 2 {
		f.Lists[parts[1]] = append(rows, map[string]string{})
		return true
	}
	if len(parts) != 3 {
		return false
	}
	i, err := strconv.Atoi(parts[2])
	if err != nil || i < 0 || i >= len(rows) {
		return false
	}
	switch parts[0] {
	case "remove":
		rows = append(rows[:i:i], rows[i+1:]...)
	case "up":
		if i > 0 {
			rows[i-1], rows[i] = rows[i], rows[i-1]
		}
	case "down":
		if i < len(rows)-1 {
			rows[i+1], rows[i] = rows[i], rows[i+1]
		}
	default:
		return false
	}
	f.Lists[parts[1]] = rows
	return true
}

// filledRows drops the rows where every input is blank: an empty row added
// and left alone is not an item.
func filledRows(rows []map[string]string) []map[string]string {
	var out []map[string]string
	for _, row := range rows {
		for _, v := range row {
			if strings.TrimSpace(v) != "" {
				out = append(out, row)
				break
			}
		}
	}
	return out
}

// intField reads an optional whole number; blank is 0.
func intField(f *formState, name, what string) (int, error) {
	s := strings.TrimSpace(f.Values[name])
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, &episodes.Error{Field: name, Message: fmt.Sprintf("%q is not a whole number; give the %s as digits, or leave it blank", s, what)}
	}
	return n, nil
}

// locationToForm fills the podcast:location inputs (location.name, .rel,
// .geo, .osm, .country) of the show and episode forms.
func locationToForm(v map[string]string, l *episodes.Location) {
	if l != nil {
		v["location.name"], v["location.rel"], v["location.geo"], v["location.osm"], v["location.country"] = l.Name, l.Rel, l.Geo, l.OSM, l.Country
	}
}

// formToLocation reads the podcast:location inputs: nil when all are blank
// (no location); the owner's Validate checks the rest.
func formToLocation(v map[string]string) *episodes.Location {
	l := episodes.Location{Name: strings.TrimSpace(v["location.name"]), Rel: v["location.rel"], Geo: strings.TrimSpace(v["location.geo"]),
		OSM: strings.TrimSpace(v["location.osm"]), Country: strings.TrimSpace(v["location.country"])}
	if l.Name == "" && l.Geo == "" && l.OSM == "" && l.Country == "" {
		return nil
	}
	return &l
}
