// Package cli is the command line of the desktop binary lixiang (立项通):
// the verbs an administrator runs instead of opening the window, such as
// checking a file of PMIS records before importing it.
//
//	lixiang validate FILE [--org ORGFILE]
//	lixiang import FILE [--as LOGIN] [--data DIR]
//	lixiang export PROJECT...|--all [-o FILE] [--data DIR]
//	lixiang export minutes|registration PROJECT -o FILE.pdf [--data DIR]
//	lixiang sync [--server URL] [--login LOGIN --password-stdin] [--data DIR]
//	lixiang help [VERB]
//
// main dispatches here before it opens the window:
//
//	if len(os.Args) > 1 && cli.IsVerb(os.Args[1]) {
//		os.Exit(cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
//	}
//
// Every message is Chinese first, with the English after it. The package
// imports nothing of Fyne, so it runs on a machine without a display.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Program is the binary's name as messages show it.
const Program = "lixiang"

// Exit statuses of Run.
const (
	ExitOK      = 0 // 成功；被检查的文件有效（可以有提示） (success; the file is valid, warnings allowed)
	ExitInvalid = 1 // 被检查的文件无效 (the file is invalid)
	ExitUsage   = 2 // 用法错误、文件无法读取或命令尚未实现 (usage error, unreadable input, or not implemented yet)
)

// env is what a verb reads from and writes to.
type env struct {
	stdin  io.Reader
	stdout io.Writer // the verb's result: reports, exported data
	stderr io.Writer // usage, flag errors and messages about the command itself
}

// verb is one command: its name, its synopsis and what it does (Chinese and
// English), and the function that runs it with the arguments after its name.
type verb struct {
	name string
	// synopsis is the verb's usage; a verb with several forms has one per
	// line (see forms).
	synopsis string
	zh, en   string
	run      runFunc
}

// runFunc runs verb v with the arguments after its name and returns the
// exit status.
type runFunc func(ctx context.Context, e *env, v verb, args []string) int

// verbs is the dispatch table, in the order help lists them.
//
// Each verb's run function lives in a file of its own (validate.go,
// import.go, export.go, sync.go).
var verbs = []verb{
	{
		name:     "validate",
		synopsis: "validate FILE [--org ORGFILE]",
		zh:       "检查交换文件（lixiang.projects/v1）中的每个项目，FILE 为 - 时读标准输入",
		en:       "check every project of an interchange file; FILE - reads standard input",
		run:      runValidate,
	},
	{
		name:     "import",
		synopsis: "import FILE [--as LOGIN] [--data DIR]",
		zh:       "检查交换文件并把其中的项目导入本地库（有错误则不导入任何项目）",
		en:       "check an interchange file and import its projects into the local store (nothing is imported if it has errors)",
		run:      runImport,
	},
	{
		name:     "export",
		synopsis: "export PROJECT...|--all [-o FILE] [--data DIR]\n" + exportPDFSynopsis,
		zh:       "把本地库中的项目（ID 或登记号）或全部项目导出为交换文件；minutes / registration 把一个项目的会议交接纪要或登记表导出为 PDF",
		en:       "export projects (by id or registration number) or all of them from the local store as an interchange file; minutes / registration print one project's handover minutes or registration form as PDF",
		run:      runExport,
	},
	{
		name:     "sync",
		synopsis: "sync [--server URL] [--login LOGIN --password-stdin] [--data DIR]",
		zh:       "与服务器同步一次：上传本地修改和附件，下载服务器上的变化，报告冲突和被拒绝的修改",
		en:       "sync once with the server: send local changes and attachments, bring the server's changes, report conflicts and refused changes",
		run:      runSync,
	},
}

// helpNames are the words that ask for help.
var helpNames = []string{"help", "-h", "-help", "--help"}

// lookup returns the verb with the given name.
func lookup(name string) (verb, bool) {
	i := slices.IndexFunc(verbs, func(v verb) bool { return v.name == name })
	if i < 0 {
		return verb{}, false
	}
	return verbs[i], true
}

// IsVerb reports whether name (the first argument after the program name)
// is a command-line verb or a request for help, so main runs Run instead of
// opening the window.
func IsVerb(name string) bool {
	_, ok := lookup(name)
	return ok || slices.Contains(helpNames, name)
}

// Run runs the verb named by args[0] with the rest of args (the program
// name excluded) and returns the exit status: ExitOK, ExitInvalid or
// ExitUsage.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprintln(stderr, "缺少命令 (missing the verb)")
		printHelp(stderr)
		return ExitUsage
	}
	name, rest := args[0], args[1:]
	if slices.Contains(helpNames, name) {
		return runHelp(ctx, e, rest)
	}
	v, ok := lookup(name)
	if !ok {
		fmt.Fprintf(stderr, "未知命令“%[1]s”，运行 %[2]s help 查看可用的命令 (unknown verb %[1]q: run %[2]s help to list the verbs)\n", name, Program)
		return ExitUsage
	}
	return v.run(ctx, e, v, rest)
}

// runHelp prints the list of verbs, or one verb's usage, to stdout.
func runHelp(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		printHelp(e.stdout)
		return ExitOK
	}
	v, ok := lookup(args[0])
	if !ok {
		fmt.Fprintf(e.stderr, "未知命令“%[1]s”，运行 %[2]s help 查看可用的命令 (unknown verb %[1]q: run %[2]s help to list the verbs)\n", args[0], Program)
		return ExitUsage
	}
	// A verb prints its usage, flags included, when asked with -h; here it
	// goes to stdout because help was asked for.
	return v.run(ctx, &env{stdin: e.stdin, stdout: e.stdout, stderr: e.stdout}, v, []string{"-h"})
}

func printHelp(w io.Writer) {
	fmt.Fprintf(w, "立项通命令行 (Lixiang command line)\n\n")
	fmt.Fprintf(w, "用法 (usage): %s VERB [参数 / arguments]\n", Program)
	fmt.Fprintf(w, "不带命令运行时打开桌面窗口。(Without a verb, %s opens the desktop window.)\n\n", Program)
	fmt.Fprintf(w, "命令 (verbs):\n")
	width := len("help [VERB]")
	for _, v := range verbs {
		for _, f := range forms(v) {
			width = max(width, len(f))
		}
	}
	for _, v := range verbs {
		// The forms of the verb down the left, what it does beside them.
		fs, desc := forms(v), []string{v.zh, v.en}
		for i := range max(len(fs), len(desc)) {
			line := fmt.Sprintf("  %-*s  %s", width, nth(fs, i), nth(desc, i))
			fmt.Fprintln(w, strings.TrimRight(line, " "))
		}
	}
	fmt.Fprintf(w, "  %-*s  %s\n  %-*s  %s\n\n", width, "help [VERB]", "显示帮助，或某个命令的用法", width, "", "show this help, or the usage of one verb")
	fmt.Fprintf(w, "退出状态 (exit status): 0 有效 (valid) · 1 无效 (invalid) · 2 用法错误 (usage error)\n")
	fmt.Fprintf(w, "交换格式见 docs/interchange.md，组织目录见 docs/org-format.md\n")
	fmt.Fprintf(w, "(the interchange format is described in docs/interchange.md, the organisation file in docs/org-format.md)\n")
}

// newFlagSet makes the flag set of a verb. Errors are returned, not fatal;
// the flag package's own English-only messages are silenced, and
// flagError reports them Chinese first, with the usage.
func newFlagSet(v verb) *flag.FlagSet {
	fs := flag.NewFlagSet(v.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// forms are the lines of a verb's synopsis, one per form of the verb.
func forms(v verb) []string { return strings.Split(v.synopsis, "\n") }

// nth is xs[i], or "" past its end.
func nth(xs []string, i int) string {
	if i < len(xs) {
		return xs[i]
	}
	return ""
}

// printUsage writes a verb's usage, with its options when it has any.
func printUsage(w io.Writer, v verb, fs *flag.FlagSet) {
	for i, f := range forms(v) {
		if i == 0 {
			fmt.Fprintf(w, "用法 (usage): %s %s\n", Program, f)
		} else {
			fmt.Fprintf(w, "     或 (or): %s %s\n", Program, f)
		}
	}
	fmt.Fprintf(w, "  %s\n  %s\n", v.zh, v.en)
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprintf(w, "选项 (options):\n")
		out := fs.Output()
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(out)
	}
}

// parseArgs parses flags wherever they stand among the arguments, so both
// "validate FILE --org ORG" and "validate --org ORG FILE" work, and returns
// the positional arguments. Everything after "--" is positional; "-" is a
// positional argument (standard input).
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// flagError reports a parse error and returns the exit status: for -h the
// usage and ExitOK, otherwise the mistake, the usage and ExitUsage.
func flagError(e *env, v verb, fs *flag.FlagSet, err error) int {
	if errors.Is(err, flag.ErrHelp) {
		printUsage(e.stderr, v, fs)
		return ExitOK
	}
	fmt.Fprintf(e.stderr, "选项有误 (bad option): %v\n", err)
	printUsage(e.stderr, v, fs)
	return ExitUsage
}

// usageError reports a mistake in the command line, says what to do, and
// returns ExitUsage.
func usageError(e *env, v verb, zh, en string) int {
	fmt.Fprintf(e.stderr, "%s (%s)\n", zh, en)
	fs := forms(v)
	fmt.Fprintf(e.stderr, "用法 (usage): %s %s — 运行 %s help %s 查看说明 (run %s help %s for details)\n",
		Program, fs[0], Program, v.name, Program, v.name)
	for _, f := range fs[1:] {
		fmt.Fprintf(e.stderr, "     或 (or): %s %s\n", Program, f)
	}
	return ExitUsage
}

// plural writes n followed by an English noun, pluralised.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// oneLine folds a message onto one line, so each problem stays one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
