package render

import (
	"encoding"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/intstr"
)

// decodeYAML decodes a rendered file straight from the YAML subset of yamljson.go
// into v, a non-nil pointer, giving the value encoding/json gives decoding toJSON's
// output with unknown fields disallowed (decodeStrict). Going through JSON text and
// encoding/json's reflection was about half of a render's time.
//
// It decodes only what it is sure to decode the same way: keys naming a field
// exactly, scalars of the field's kind, json.Unmarshaler types with a scalar. On
// anything else (an unknown or differently cased key, a mistyped value, a type it
// does not handle, YAML outside the subset) it returns an error and the caller
// decodes the file the general way into a fresh value, which then reports the
// problem in encoding/json's words. TestDecodeYAML checks both ways agree.
func decodeYAML(text string, v any) error {
	buf := lineBuffers.Get().(*[]line)
	defer lineBuffers.Put(buf)
	lines, err := appendLines((*buf)[:0], text)
	*buf = lines
	if err != nil {
		return err
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return errUnsupported
	}
	p := planFor(rv.Type().Elem())
	d := &yamlDecoder{lines: lines}
	if err := d.node(lines[0].indent, rv.Elem(), p); err != nil {
		return err
	}
	if d.i != len(lines) {
		return errSubset
	}
	return nil
}

// lineBuffers holds the line slices of decodeYAML, reused across files and renders.
var lineBuffers = sync.Pool{New: func() any { return new([]line) }}

// errUnsupported marks input the direct decoder leaves to encoding/json.
var errUnsupported = errors.New("left to encoding/json")

type yamlDecoder struct {
	lines []line
	i     int
}

// node decodes the block node starting at the current line, indented by ind.
func (d *yamlDecoder) node(ind int, v reflect.Value, p *plan) error {
	l := d.lines[d.i]
	if l.indent != ind {
		return errSubset
	}
	if isItem(l.text) {
		return d.sequence(ind, v, p)
	}
	return d.mapping(ind, v, p)
}

// deref allocates and follows pointers as encoding/json does before storing a value.
func deref(v reflect.Value, p *plan) (reflect.Value, *plan) {
	for p.kind == kindPointer {
		if v.IsNil() {
			v.Set(reflect.New(p.typ.Elem()))
		}
		v, p = v.Elem(), p.elem
	}
	return v, p
}

func (d *yamlDecoder) sequence(ind int, v reflect.Value, p *plan) error {
	v, p = deref(v, p)
	switch p.kind {
	case kindSlice:
	case kindAny:
		// encoding/json builds a []any for an array decoded into an interface.
		s := reflect.New(anySlicePlan.typ).Elem()
		if err := d.sequence(ind, s, anySlicePlan); err != nil {
			return err
		}
		v.Set(s)
		return nil
	default:
		return errUnsupported
	}
	// Make room for all the items at once rather than growing by doubling.
	v.Grow(d.items(ind))
	n := 0
	for ; d.i < len(d.lines) && d.lines[d.i].indent == ind && isItem(d.lines[d.i].text); n++ {
		rest := strings.TrimLeft(d.lines[d.i].text[1:], " ")
		if rest == "" {
			return errSubset
		}
		// As encoding/json does: grow the slice and decode into the new zero element.
		if n >= v.Cap() {
			v.Grow(1)
		}
		v.SetLen(n + 1)
		elem := v.Index(n)
		itemInd := ind + len(d.lines[d.i].text) - len(rest)
		if _, _, isKey := splitKey(rest); isKey {
			d.lines[d.i] = line{indent: itemInd, text: rest}
			if err := d.mapping(itemInd, elem, p.elem); err != nil {
				return err
			}
			continue
		}
		if err := d.scalar(rest, elem, p.elem); err != nil {
			return err
		}
		d.i++
	}
	return nil
}

// items counts the items of the sequence at the current line, indented by ind.
func (d *yamlDecoder) items(ind int) int {
	n := 0
	for _, l := range d.lines[d.i:] {
		if l.indent < ind || l.indent == ind && !isItem(l.text) {
			break
		}
		if l.indent == ind {
			n++
		}
	}
	return n
}

func (d *yamlDecoder) mapping(ind int, v reflect.Value, p *plan) error {
	v, p = deref(v, p)
	switch p.kind {
	case kindStruct:
	case kindMap:
		if v.IsNil() {
			v.Set(reflect.MakeMap(p.typ))
		}
	case kindAny:
		// encoding/json builds a map[string]any for an object decoded into an interface.
		m := reflect.New(anyMapPlan.typ).Elem()
		if err := d.mapping(ind, m, anyMapPlan); err != nil {
			return err
		}
		v.Set(m)
		return nil
	default:
		return errUnsupported
	}
	// Labels, annotations, selectors and ConfigMap data are map[string]string:
	// store their strings without reflection.
	var strMap map[string]string
	if p.kind == kindMap && p.typ == stringMapType {
		strMap = v.Interface().(map[string]string)
	}
	// Mappings are small: a slice beats a map, on the stack while it fits.
	var seenBuf [32]string
	seen := seenBuf[:0]
	for d.i < len(d.lines) && d.lines[d.i].indent == ind {
		key, rest, ok := splitKey(d.lines[d.i].text)
		if !ok || slices.Contains(seen, key) {
			return errSubset
		}
		seen = append(seen, key)
		d.i++
		if rest == "" && (d.i >= len(d.lines) || d.lines[d.i].indent <= ind) {
			return errSubset // null, or a sequence at the key's own indentation
		}
		if strMap != nil && rest != "" {
			kind, s, err := readScalar(rest)
			if err != nil {
				return err
			}
			if kind != scalarString || !utf8.ValidString(s) {
				return errUnsupported
			}
			strMap[key] = s
			continue
		}
		var target reflect.Value
		var tp *plan
		if p.kind == kindStruct {
			f := p.fields[key]
			if f == nil {
				return errUnsupported // unknown, ambiguous or differently cased: encoding/json decides
			}
			target, tp = v.Field(f.index[0]), f.plan
			for _, i := range f.index[1:] {
				target = target.Field(i)
			}
		} else {
			target, tp = reflect.New(p.elem.typ).Elem(), p.elem
		}
		var err error
		if rest != "" {
			err = d.scalar(rest, target, tp)
		} else {
			err = d.node(d.lines[d.i].indent, target, tp)
		}
		if err != nil {
			return err
		}
		if p.kind == kindMap {
			k := reflect.ValueOf(key)
			if p.typ.Key() != k.Type() {
				k = k.Convert(p.typ.Key())
			}
			v.SetMapIndex(k, target)
		}
	}
	if d.i < len(d.lines) && d.lines[d.i].indent > ind {
		return errSubset
	}
	return nil
}

// scalar decodes a flow scalar into v.
func (d *yamlDecoder) scalar(t string, v reflect.Value, p *plan) error {
	kind, s, err := readScalar(t)
	if err != nil {
		return err
	}
	v, p = deref(v, p)
	if p.kind == kindIntOrString {
		// What IntOrString.UnmarshalJSON does, without its two passes of
		// encoding/json over the scalar: ports and surges are many.
		is := v.Addr().Interface().(*intstr.IntOrString)
		switch kind {
		case scalarString:
			if !utf8.ValidString(s) {
				return errUnsupported
			}
			*is = intstr.IntOrString{Type: intstr.String, StrVal: s}
		case scalarInt:
			n, err := strconv.ParseInt(s, 10, 32)
			if err != nil {
				return errUnsupported
			}
			*is = intstr.IntOrString{Type: intstr.Int, IntVal: int32(n)}
		default:
			return errUnsupported
		}
		return nil
	}
	if p.kind == kindUnmarshaler {
		// The bytes encoding/json would hand it: the scalar as fastJSON writes it.
		var raw []byte
		if kind == scalarString {
			raw = appendJSONString(make([]byte, 0, len(s)+2), s)
		} else {
			raw = []byte(s)
		}
		if err := v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(raw); err != nil {
			return errUnsupported
		}
		return nil
	}
	switch kind {
	case scalarString:
		if !utf8.ValidString(s) {
			return errUnsupported // encoding/json would replace the invalid bytes
		}
		switch p.kind {
		case kindString:
			v.SetString(s)
		case kindAny:
			v.Set(reflect.ValueOf(s))
		default:
			return errUnsupported
		}
	case scalarInt:
		switch p.kind {
		case kindInt:
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || v.OverflowInt(n) {
				return errUnsupported
			}
			v.SetInt(n)
		case kindUint:
			n, err := strconv.ParseUint(s, 10, 64)
			if err != nil || v.OverflowUint(n) {
				return errUnsupported
			}
			v.SetUint(n)
		case kindFloat:
			n, err := strconv.ParseFloat(s, v.Type().Bits())
			if err != nil || v.OverflowFloat(n) {
				return errUnsupported
			}
			v.SetFloat(n)
		case kindAny:
			n, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return errUnsupported
			}
			v.Set(reflect.ValueOf(n))
		default:
			return errUnsupported
		}
	case scalarBool:
		switch p.kind {
		case kindBool:
			v.SetBool(s == "true")
		case kindAny:
			v.Set(reflect.ValueOf(s == "true"))
		default:
			return errUnsupported
		}
	case scalarEmptyMap:
		switch p.kind {
		case kindStruct:
		case kindMap:
			if v.IsNil() {
				v.Set(reflect.MakeMap(p.typ))
			}
		case kindAny:
			v.Set(reflect.ValueOf(map[string]any{}))
		default:
			return errUnsupported
		}
	case scalarEmptySeq:
		switch p.kind {
		case kindSlice:
			v.Set(reflect.MakeSlice(p.typ, 0, 0))
		case kindAny:
			v.Set(reflect.ValueOf([]any{}))
		default:
			return errUnsupported
		}
	}
	return nil
}

// A plan says how to decode into a type; plans are built once per type.
type plan struct {
	kind   planKind
	typ    reflect.Type
	elem   *plan                 // pointer, slice and map elements
	fields map[string]*fieldPlan // struct fields by their exact JSON name
}

type fieldPlan struct {
	index []int
	plan  *plan
}

type planKind uint8

const (
	kindUnsupported planKind = iota
	kindUnmarshaler
	kindIntOrString
	kindPointer
	kindStruct
	kindMap
	kindSlice
	kindString
	kindBool
	kindInt
	kindUint
	kindFloat
	kindAny
)

var (
	plansMu sync.Mutex
	plans   sync.Map // reflect.Type to *plan, complete plans only

	anyPlan      = &plan{kind: kindAny, typ: reflect.TypeFor[any]()}
	anyMapPlan   = &plan{kind: kindMap, typ: reflect.TypeFor[map[string]any](), elem: anyPlan}
	anySlicePlan = &plan{kind: kindSlice, typ: reflect.TypeFor[[]any](), elem: anyPlan}

	stringMapType       = reflect.TypeFor[map[string]string]()
	intOrStringType     = reflect.TypeFor[intstr.IntOrString]()
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// planFor returns the plan of t, building it (and those of the types it contains) once.
func planFor(t reflect.Type) *plan {
	if p, ok := plans.Load(t); ok {
		return p.(*plan)
	}
	plansMu.Lock()
	defer plansMu.Unlock()
	building := map[reflect.Type]*plan{}
	p := buildPlan(t, building)
	for t, p := range building {
		plans.Store(t, p)
	}
	return p
}

func buildPlan(t reflect.Type, building map[reflect.Type]*plan) *plan {
	if p, ok := plans.Load(t); ok {
		return p.(*plan)
	}
	if p, ok := building[t]; ok {
		return p // a recursive type: filled in below, before anyone decodes with it
	}
	p := &plan{typ: t}
	building[t] = p
	pt := reflect.PointerTo(t)
	switch {
	case t == intOrStringType:
		p.kind = kindIntOrString
		return p
	case pt.Implements(unmarshalerType):
		if t.Name() != "" { // encoding/json looks for methods through the address of named types only
			p.kind = kindUnmarshaler
		}
		return p
	case pt.Implements(textUnmarshalerType):
		return p // encoding/json would use UnmarshalText: left to it
	}
	switch t.Kind() {
	case reflect.Pointer:
		if t.Name() == "" {
			p.kind, p.elem = kindPointer, buildPlan(t.Elem(), building)
		}
	case reflect.Struct:
		if fields, ok := structFields(t, building); ok {
			p.kind, p.fields = kindStruct, fields
		}
	case reflect.Map:
		k := t.Key()
		if k.Kind() == reflect.String && !reflect.PointerTo(k).Implements(textUnmarshalerType) && !reflect.PointerTo(k).Implements(unmarshalerType) {
			p.kind, p.elem = kindMap, buildPlan(t.Elem(), building)
		}
	case reflect.Slice:
		if t.Elem().Kind() != reflect.Uint8 { // []byte is base64 in JSON
			p.kind, p.elem = kindSlice, buildPlan(t.Elem(), building)
		}
	case reflect.String:
		p.kind = kindString
	case reflect.Bool:
		p.kind = kindBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		p.kind = kindInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		p.kind = kindUint
	case reflect.Float32, reflect.Float64:
		p.kind = kindFloat
	case reflect.Interface:
		if t.NumMethod() == 0 {
			p.kind = kindAny
		}
	}
	return p
}

// structFields lists the fields encoding/json decodes into, by name, following
// embedded structs as it does. A name with several fields at its shallowest
// depth maps to nil: encoding/json's tie-breaking is left to it. Structs with
// embedded pointers or unexported embedded structs, or tags with options the
// decoder does not handle, are not handled at all.
func structFields(t reflect.Type, building map[reflect.Type]*plan) (map[string]*fieldPlan, bool) {
	type candidate struct {
		index []int
		typ   reflect.Type
	}
	byName := map[string][]candidate{}
	var order []string
	var walk func(t reflect.Type, index []int) bool
	walk = func(t reflect.Type, index []int) bool {
		if len(index) > 8 {
			return false
		}
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.Anonymous && !sf.IsExported() {
				continue
			}
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if strings.Contains(","+opts+",", ",string,") || !isPlainKey(name) && name != "" {
				return false
			}
			idx := append(slices.Clone(index), i)
			if sf.Anonymous {
				if sf.Type.Kind() == reflect.Pointer || !sf.IsExported() {
					return false
				}
				if name == "" && sf.Type.Kind() == reflect.Struct {
					if !walk(sf.Type, idx) {
						return false
					}
					continue
				}
			}
			if name == "" {
				name = sf.Name
			}
			if _, ok := byName[name]; !ok {
				order = append(order, name)
			}
			byName[name] = append(byName[name], candidate{idx, sf.Type})
		}
		return true
	}
	if !walk(t, nil) {
		return nil, false
	}
	fields := make(map[string]*fieldPlan, len(byName))
	for _, name := range order {
		cs := byName[name]
		slices.SortStableFunc(cs, func(a, b candidate) int { return len(a.index) - len(b.index) })
		if len(cs) > 1 && len(cs[0].index) == len(cs[1].index) {
			fields[name] = nil
			continue
		}
		fields[name] = &fieldPlan{index: cs[0].index, plan: buildPlan(cs[0].typ, building)}
	}
	return fields, true
}
