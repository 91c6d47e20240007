// Entry point of the editor bundle (editor.bundle.js): a CodeMirror 6 editor
// for Python, exposed to the page's classic scripts as the global LrEditor.
// Syntax colours are CSS classes (tok-keyword, tok-string, ...) that style.css
// colours for the light and the dark theme.
import { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab, redo, undo } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
import { bracketMatching, indentOnInput, indentUnit, syntaxHighlighting } from "@codemirror/language";
import { EditorState } from "@codemirror/state";
import {
  EditorView,
  drawSelection,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
} from "@codemirror/view";
import { classHighlighter } from "@lezer/highlight";

// Create an editor in `parent` with `code`; `handlers` are onChange(code),
// onRun() for Ctrl/Cmd+Enter and onStop() for Ctrl/Cmd+. (period).
function create(parent, code, handlers, label) {
  const pageKeys = keymap.of([
    { key: "Mod-Enter", preventDefault: true, run: () => { handlers.onRun(); return true; } },
    { key: "Mod-.", preventDefault: true, run: () => { handlers.onStop(); return true; } },
  ]);

  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: code,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        highlightSpecialChars(),
        history(),
        drawSelection(),
        indentUnit.of("    "),
        EditorState.tabSize.of(4),
        indentOnInput(),
        syntaxHighlighting(classHighlighter),
        bracketMatching(),
        closeBrackets(),
        highlightActiveLine(),
        python(),
        // The page's keys come first so that Mod-Enter runs instead of inserting a line.
        pageKeys,
        // indentWithTab binds Tab and Shift-Tab; Escape then Tab still moves focus
        // out of the editor, which CodeMirror builds in for keyboard users.
        keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, indentWithTab]),
        EditorView.contentAttributes.of({ "aria-label": label, "aria-describedby": "editor-help" }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) {
            handlers.onChange(update.state.doc.toString());
          }
        }),
      ],
    }),
  });

  return {
    kind: "codemirror",
    getCode: () => view.state.doc.toString(),
    // Replace the whole text as one undoable change, so Ctrl/Cmd+Z brings the old text back.
    setCode(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    undo: () => undo(view),
    redo: () => redo(view),
    focus: () => view.focus(),
    view,
  };
}

self.LrEditor = { create };
