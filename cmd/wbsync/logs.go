package main

import (
	"fmt"
	"io"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/wbsync/wbsync/pkg/progress"
	"github.com/wbsync/wbsync/pkg/sanitize"
)

// What wbsync writes to stderr (README.md "Commands, flags and
// environment"): with --log-format json every line is one JSON log entry
// (progress, the final error, manifest problems, a stale plan's
// differences); in console format, log entries and plain text lines. At
// --log-level warn or error, progress lines off a terminal are left out in
// both formats; a progress line redrawn on a terminal is a display and
// stays. Errors print at every level.

// logSetup is a run's checked logging flags.
type logSetup struct {
	level zapcore.Level
	json  bool
}

// logger builds the stderr logger on w (the redacting sink).
func (l logSetup) logger(w io.Writer) *zap.Logger {
	cfg := zap.NewProductionEncoderConfig()
	cfg.EncodeTime = zapcore.ISO8601TimeEncoder
	var enc zapcore.Encoder
	if l.json {
		enc = zapcore.NewJSONEncoder(cfg)
	} else {
		cfg.EncodeLevel = zapcore.CapitalLevelEncoder
		enc = zapcore.NewConsoleEncoder(cfg)
	}
	// zap writes each entry in one Write and escapes C0 controls in field
	// strings; C1 controls and bidirectional characters from a server (a
	// user's name in a field) are escaped here, in both formats. The
	// console encoder writes the message itself as it is: a message that
	// quotes a server string escapes it first (sanitize.Controls, as
	// inv.say's callers do), since a message may hold line breaks of ours.
	return zap.New(zapcore.NewCore(enc, zapcore.AddSync(sanitize.JSONWriter(w)), l.level))
}

// setup is the run's logging setup: the defaults until the flags are
// parsed.
func (inv *invocation) setup() logSetup {
	if inv.logs == nil {
		return logSetup{level: zapcore.InfoLevel}
	}
	return *inv.logs
}

// progress is the run's progress display on stderr; logs go through its
// Writer so that a log line never breaks a progress line. With JSON logs,
// and off a terminal at --log-level warn or error, progress lines are info
// log entries instead (so dropped at those levels).
func (inv *invocation) progress() *progress.Progress {
	if inv.prog == nil {
		_ = inv.sinks.stderr.Flush() // what was printed before comes first
		ls := inv.setup()
		terminal := inv.stderrTerminal && !inv.dumbTerminal()
		inv.prog = progress.New(inv.sinks.stderrUnit, terminal, nil)
		if inv.stderrWidth != nil {
			inv.prog.SetWidth(inv.stderrWidth)
		}
		if inv.stderrForeground != nil {
			inv.prog.SetForeground(inv.stderrForeground)
		}
		inv.log = ls.logger(inv.prog.Writer())
		if ls.json || (!terminal && ls.level > zapcore.InfoLevel) {
			inv.prog.SetHook(logProgress(inv.log))
		}
		activeProgress.Store(inv.prog) // set up: the signal goroutine may use it now
	}
	return inv.prog
}

// logger is the run's stderr logger.
func (inv *invocation) logger() *zap.Logger {
	inv.progress()
	return inv.log
}

// logProgress logs each progress line as an info entry "progress".
func logProgress(log *zap.Logger) func(progress.Event) {
	return func(e progress.Event) {
		log.Info("progress", zap.String("task", e.Task), zap.Int("done", e.Done), zap.Int("total", e.Total),
			zap.Bool("finished", e.Finished), zap.Duration("elapsed", e.Elapsed), zap.String("status", e.Text))
	}
}

// humanStderr reports whether stderr carries text for people beside the
// logs: console format at --log-level info or debug.
func (inv *invocation) humanStderr() bool {
	ls := inv.setup()
	return !ls.json && ls.level <= zapcore.InfoLevel
}

// say writes text for people to stderr at level: in console format (and
// before the logging flags are parsed) the text as is, in JSON format one
// log entry with text as its message and fields.
func (inv *invocation) say(level zapcore.Level, text string, fields ...zap.Field) {
	inv.sayIndented(level, "", text, fields...)
}

// sayIndented is say for an item of a list: indented in console format.
func (inv *invocation) sayIndented(level zapcore.Level, indent, text string, fields ...zap.Field) {
	ls := inv.setup()
	switch {
	case level < ls.level:
	case ls.json:
		_ = inv.sinks.stderr.Flush() // what was printed before comes first
		inv.logger().Log(level, text, fields...)
	case inv.prog != nil:
		fmt.Fprintln(inv.prog.Writer(), indent+text) // above a progress line still shown
	default:
		fmt.Fprintln(inv.stderr, indent+text)
	}
}
