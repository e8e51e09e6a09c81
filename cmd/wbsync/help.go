package main

import (
	"flag"
	"fmt"
	"io"
)

// helpSection is one heading of a command's help and the flags under it.
type helpSection struct {
	title string
	names []string
}

// newNames returns the names of fs's flags not yet in seen, sorted, and
// adds them to seen.
func newNames(fs *flag.FlagSet, seen map[string]bool) []string {
	var names []string
	fs.VisitAll(func(fl *flag.Flag) {
		if !seen[fl.Name] {
			seen[fl.Name] = true
			names = append(names, fl.Name)
		}
	})
	return names
}

// shortFlags are the one-letter spellings of long flags: the help lists
// them together ("-f, --file PATH").
var shortFlags = map[string]string{"file": "f"}

// placeholders name the value a flag takes in the help, where its type
// alone would say too little.
var placeholders = map[string]string{
	"file":             "PATH",
	"o":                "FORMAT",
	"url":              "URL",
	"api-key-file":     "FILE",
	"auth":             "SCHEME",
	"deployment":       "NAME",
	"rate-limit":       "R",
	"concurrency":      "N", // decimal flags: package flag names their type "value"
	"batch-size":       "N",
	"page-size":        "N",
	"timeout":          "D",
	"trace":            "FILE",
	"out":              "FILE",
	"report":           "FILE",
	"metrics-file":     "FILE",
	"log-level":        "LEVEL",
	"log-format":       "FORMAT",
	"listen":           "ADDR",
	"state":            "FILE",
	"api-key":          "KEY",
	"non-admin-key":    "KEY",
	"team-scoped-key":  "KEY",
	"base-paths":       "PATHS",
	"faults":           "LIST",
	"taken-team-names": "LIST",
	"taken-user-names": "LIST",
	"fault-rate":       "F",
	"latency":          "D",
	"retry-after":      "D",
}

// typePlaceholders name a value by its type when placeholders has no name.
var typePlaceholders = map[string]string{"int": "N", "uint": "N", "float": "NUMBER", "duration": "DURATION"}

// printHelp writes c's help: synopsis, summary, every flag as a user types
// it with its value, description and default, and an example.
func (c *command) printHelp(w io.Writer, f *flags) {
	type row struct{ left, right string }
	var sections [][]row
	for _, s := range f.sections {
		var rows []row
		for _, name := range s.names {
			if isShort(name) {
				continue
			}
			rows = append(rows, row{flagSpelling(f.fs, name), flagDescription(f.fs.Lookup(name))})
		}
		sections = append(sections, rows)
	}
	sections[len(sections)-1] = append(sections[len(sections)-1], row{"-h, --help", "print this help"})
	width := 0
	for _, rows := range sections {
		for _, r := range rows {
			width = max(width, len(r.left))
		}
	}
	width = min(width, 36)

	fmt.Fprintf(w, "wbsync %s: %s\n\nUsage:\n  wbsync %s\n", c.name, c.summary, c.synopsis)
	for i, rows := range sections {
		if len(rows) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s:\n", f.sections[i].title)
		for _, r := range rows {
			if len(r.left) > width {
				fmt.Fprintf(w, "  %s\n  %-*s  %s\n", r.left, width, "", r.right)
				continue
			}
			fmt.Fprintf(w, "  %-*s  %s\n", width, r.left, r.right)
		}
	}
	fmt.Fprintf(w, "\nExample:\n  %s\n", c.example)
}

// isShort reports whether name is the one-letter spelling of a long flag.
func isShort(name string) bool {
	for _, s := range shortFlags {
		if s == name {
			return true
		}
	}
	return false
}

// flagSpelling is how a user types the flag: "--name VALUE", "-o VALUE",
// "-f, --file PATH" for a flag with a one-letter spelling, no value for a
// boolean.
func flagSpelling(fs *flag.FlagSet, name string) string {
	s := "--" + name
	if len(name) == 1 {
		s = "-" + name
	}
	if short, ok := shortFlags[name]; ok && fs.Lookup(short) != nil {
		s = "-" + short + ", " + s
	} else if len(name) > 1 {
		s = "    " + s // long flags line up under the long spelling of "-f, --file"
	}
	fl := fs.Lookup(name)
	if b, ok := fl.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return s
	}
	v := placeholders[name]
	if v == "" {
		typ, _ := flag.UnquoteUsage(fl)
		if v = typePlaceholders[typ]; v == "" {
			v = "VALUE"
		}
	}
	return s + " " + v
}

// flagDescription is the flag's usage and, unless it is a zero value, its
// default.
func flagDescription(fl *flag.Flag) string {
	_, usage := flag.UnquoteUsage(fl)
	switch fl.DefValue {
	case "", "0", "false", "0s", "[]":
		return usage
	}
	return fmt.Sprintf("%s (default %s)", usage, fl.DefValue)
}
