package dev.pfs.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code pfs} command: formats volumes and works on the files of an unmounted volume.
 * {@link #main} is what the {@code ./pfs} launcher runs; tests call {@link #execute} with their
 * own {@link CliContext}.
 */
@Command(name = "pfs", mixinStandardHelpOptions = true, versionProvider = PfsCommand.Version.class,
        description = {
            "pfs: a shared-storage file system for databases, after PolarFS.",
            "",
            "Volume paths are written VOLUME:/PATH, e.g. v.img:/src/main.c; an argument is a "
                    + "volume path when it contains ':/' (or ends in ':'). To give a host path "
                    + "with such a ':', write it as '\\:' (quoted for the shell): './a\\:/b'."},
        synopsisSubcommandLabel = "COMMAND",
        commandListHeading = "%nCommands:%n")
public final class PfsCommand implements Callable<Integer> {
    private final CliContext context;
    @Spec
    private CommandSpec spec;

    /** @param context where this run writes */
    public PfsCommand(CliContext context) {
        this.context = context;
    }

    /** Entry point of the launcher. */
    public static void main(String[] args) {
        System.exit(execute(CliContext.system(), args));
    }

    /**
     * Runs one command line.
     *
     * @return the exit code ({@link ExitStatus})
     */
    public static int execute(CliContext context, String... args) {
        int code = commandLine(context).execute(args);
        context.out().flush();
        context.err().flush();
        return code;
    }

    /** @return the whole command tree, wired to {@code context} */
    public static CommandLine commandLine(CliContext context) {
        CommandLine root = new CommandLine(new PfsCommand(context));
        for (Supplier<Object> sub : Subcommands.all()) {
            root.addSubcommand(sub.get());
        }
        List<CommandLine> all = new ArrayList<>();
        collect(root, all);
        FailureReporter reporter = new FailureReporter(context);
        for (CommandLine cmd : all) {
            cmd.addMixin("verbose", new VerboseMixin(context));
            cmd.getCommandSpec().usageMessage().footerHeading("%nExit codes:%n").footer(ExitStatus.helpTable());
        }
        root.setOut(context.out());
        root.setErr(context.err());
        root.setExecutionExceptionHandler(reporter);
        root.setParameterExceptionHandler(reporter);
        return root;
    }

    private static void collect(CommandLine cmd, List<CommandLine> into) {
        into.add(cmd);
        for (CommandLine sub : cmd.getSubcommands().values()) {
            if (!into.contains(sub)) {
                collect(sub, into);
            }
        }
    }

    /** @return the context of the run this command belongs to */
    public CliContext context() {
        return context;
    }

    /** @return the context of the run {@code spec}'s command belongs to */
    public static CliContext contextOf(CommandSpec spec) {
        return ((PfsCommand) spec.root().userObject()).context;
    }

    /** Without a command: the usage on stderr and {@link ExitStatus#USAGE}. */
    @Override
    public Integer call() {
        spec.commandLine().usage(context.err());
        return ExitStatus.USAGE.code();
    }

    /** The version from the jar manifest (or "dev" when run from classes). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = PfsCommand.class.getPackage().getImplementationVersion();
            return new String[] {"pfs " + (v != null ? v : "dev")};
        }
    }
}
