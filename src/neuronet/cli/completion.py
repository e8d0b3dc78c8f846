"""``neuronet completion``: a shell script that completes the command's subcommands, options
and their choices, generated from the parser itself, so that it never falls behind it.

No extra package is needed: the script is plain bash (zsh runs it through ``bashcompinit``).
"""

from __future__ import annotations

import argparse
import shlex

from .common import examples

SHELLS = ("bash", "zsh")


def _words(parser) -> tuple[list, list, dict]:
    """The options a parser shows, its positional choices, and the choices of each option."""
    options, positional, choices = [], [], {}
    for action in parser.arguments:
        if action.help == argparse.SUPPRESS:
            continue  # a hidden alias is accepted, not offered
        if action.option_strings:
            options += action.option_strings
            if action.choices is not None:
                for flag in action.option_strings:
                    choices[flag] = [str(c) for c in action.choices]
        elif action.choices is not None and action.dest != "command":
            positional += [str(c) for c in action.choices]
    return options, positional, choices


def _case(options, positional, choices, indent: str) -> list:
    lines = []
    if choices:
        lines.append(f'{indent}case "$prev" in')
        for flag, values in choices.items():
            lines.append(f"{indent}    {flag}) COMPREPLY=($(compgen -W "
                         f"{shlex.quote(' '.join(values))} -- \"$cur\")); return;;")
        lines.append(f"{indent}esac")
    lines.append(f"{indent}options={shlex.quote(' '.join(options))}")
    lines.append(f"{indent}words={shlex.quote(' '.join(positional))}")
    return lines


def script(parser, shell: str = "bash") -> str:
    """The completion script of ``parser``'s command for ``shell``.

    Parameters
    ----------
    parser : Parser
        The command's parser (``cli.common.Parser``), with its subcommands.
    shell : {"bash", "zsh"}
        The shell that runs the script.

    Returns
    -------
    str
        A script that defines the completion; ``source`` it, or save it where the shell
        loads completions from.

    Raises
    ------
    ValueError
        For a shell other than bash or zsh.
    """
    if shell not in SHELLS:
        raise ValueError(f"shell must be one of {', '.join(SHELLS)}, got {shell!r}")
    prog = parser.prog
    function = f"_{prog.replace('-', '_')}_complete"
    subcommands = parser.subcommands
    top_options, _, _ = _words(parser)
    lines = [f"# {shell} completion for {prog}: source <({prog} completion {shell})",
             "# (generated from the command's own parser)"]
    if shell == "zsh":
        lines.append("autoload -U +X bashcompinit && bashcompinit")
    lines += [
        f"{function}() {{",
        '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
        '    local command="" options="" words="" i',
        "    for ((i = 1; i < COMP_CWORD; i++)); do",
        '        case "${COMP_WORDS[i]}" in -*) ;; *) command="${COMP_WORDS[i]}"; break;; esac',
        "    done",
        '    case "$command" in',
        '        "")',
        f"            options={shlex.quote(' '.join(top_options))}",
        f"            words={shlex.quote(' '.join(subcommands))};;",
    ]
    for name, sub in subcommands.items():
        lines.append(f"        {name})")
        lines += _case(*_words(sub), indent="            ")
        lines[-1] += ";;"
    lines += [
        "    esac",
        '    if [[ "$cur" == -* ]]; then',
        '        COMPREPLY=($(compgen -W "$options" -- "$cur"))',
        '    elif [[ -z "$command" ]]; then',
        '        COMPREPLY=($(compgen -W "$words" -- "$cur"))',
        "    else",
        '        COMPREPLY=($(compgen -W "$words" -- "$cur") $(compgen -f -- "$cur"))',
        "    fi",
        "}",
        f"complete -o filenames -o bashdefault -F {function} {prog}",
    ]
    return "\n".join(lines) + "\n"


def add_completion(commands, root) -> None:
    """Add ``neuronet completion SHELL`` to the subcommands.

    Parameters
    ----------
    commands : argparse subparsers
        Where the subcommand goes.
    root : Parser
        The command's parser, whose script is printed.
    """
    completion = commands.add_parser(
        "completion", help="print a shell script that completes neuronet's options",
        description="Print a script for your shell that completes neuronet's subcommands, "
        "their options and the choices of each option. Load it in the running shell, or "
        "once for good from your shell's startup file.",
        epilog=examples("source <(neuronet completion bash)",
                        "# every new shell:",
                        "echo 'source <(neuronet completion bash)' >> ~/.bashrc",
                        "echo 'source <(neuronet completion zsh)' >> ~/.zshrc"))
    completion.add_argument("shell", choices=SHELLS, help="the shell that runs the script")
    completion.set_defaults(run=lambda args: print(script(root, args.shell), end=""))
