package site

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// checkSchedule checks a CronJob schedule the way Kubernetes' parser reads it: five
// fields (minute, hour, day of month, month, day of week) with *, ?, lists, ranges and
// steps, month and weekday names, or one of the @ descriptors.
func checkSchedule(s string) error {
	if s == "" {
		return errors.New(`required: a cron schedule such as "*/15 * * * *" or "@hourly"`)
	}
	if strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=") {
		return fmt.Errorf("%q sets a time zone inside the schedule, which Kubernetes rejects: set parts.cron.timeZone instead", s)
	}
	if strings.HasPrefix(s, "@") {
		switch s {
		case "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly":
			return nil
		}
		return fmt.Errorf("%q is not a schedule descriptor: use @yearly, @monthly, @weekly, @daily or @hourly", s)
	}
	fields := strings.Fields(s)
	if len(fields) != 5 {
		return fmt.Errorf("%q has %d fields, must have 5: minute hour day-of-month month day-of-week", s, len(fields))
	}
	for i, f := range fields {
		if err := scheduleFields[i].check(f); err != nil {
			return fmt.Errorf("%q: %s %w", s, scheduleFields[i].name, err)
		}
	}
	return nil
}

type scheduleField struct {
	name     string
	min, max int
	names    []string // names[i] stands for min+i
}

var scheduleFields = []scheduleField{
	{name: "minute", min: 0, max: 59},
	{name: "hour", min: 0, max: 23},
	{name: "day of month", min: 1, max: 31},
	{name: "month", min: 1, max: 12, names: []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
	{name: "day of week", min: 0, max: 6, names: []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
}

func (f scheduleField) check(s string) error {
	for part := range strings.SplitSeq(s, ",") {
		rng, step, hasStep := strings.Cut(part, "/")
		if hasStep {
			n, err := strconv.Atoi(step)
			if err != nil || n < 1 {
				return fmt.Errorf("step %q must be a positive number", step)
			}
		}
		if rng == "*" || rng == "?" {
			continue
		}
		lo, hi, isRange := strings.Cut(rng, "-")
		a, err := f.value(lo)
		if err != nil {
			return err
		}
		if isRange {
			b, err := f.value(hi)
			if err != nil {
				return err
			}
			if a > b {
				return fmt.Errorf("range %q runs backwards", rng)
			}
		}
	}
	return nil
}

func (f scheduleField) value(s string) (int, error) {
	for i, n := range f.names {
		if strings.EqualFold(s, n) {
			return f.min + i, nil
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < f.min || n > f.max {
		return 0, fmt.Errorf("%q is out of range %d-%d", s, f.min, f.max)
	}
	return n, nil
}
