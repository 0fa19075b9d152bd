package dev.magnet.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of the code base: features do not form cycles; the domain knows no web, SQL or process library; routes
 * go through the route table; the command-line client stands on its own.
 */
class PackageRulesTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.magnet");
    }

    @Test
    void feature_packages_do_not_depend_on_each_other_in_cycles() {
        slices().matching("dev.magnet.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void only_the_http_edge_knows_javalin() {
        noClasses().that().resideOutsideOfPackages("dev.magnet.web..", "dev.magnet.health..")
                .and().haveSimpleNameNotEndingWith("Routes")
                .and().haveSimpleNameNotEndingWith("Filter")
                .and().haveSimpleNameNotEndingWith("Cookies")
                .and().doNotHaveFullyQualifiedName("dev.magnet.auth.Callers")
                .and().doNotHaveFullyQualifiedName("dev.magnet.Magnet")
                .should().dependOnClassesThat().resideInAPackage("io.javalin..")
                .check(classes);
    }

    @Test
    void routes_are_registered_only_through_the_route_table_so_it_lists_every_one() {
        noClasses().that().resideOutsideOfPackage("dev.magnet.web..")
                .should().dependOnClassesThat().haveFullyQualifiedName("io.javalin.Javalin")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("io.javalin.config.RoutesConfig")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("io.javalin.router.JavalinDefaultRoutingApi")
                .check(classes);
    }

    @Test
    void the_command_line_client_uses_none_of_the_server_code() {
        noClasses().that().resideInAPackage("dev.magnet.cli..")
                .should().dependOnClassesThat(resideInAPackage("dev.magnet..").and(resideOutsideOfPackage("dev.magnet.cli..")))
                .check(classes);
    }

    @Test
    void the_session_domain_records_know_no_sql_http_or_processes() {
        noClasses().that().haveFullyQualifiedName("dev.magnet.session.Session")
                .or().haveFullyQualifiedName("dev.magnet.session.Phase")
                .or().haveFullyQualifiedName("dev.magnet.session.Status")
                .or().haveFullyQualifiedName("dev.magnet.session.Failure")
                .or().haveFullyQualifiedName("dev.magnet.session.PhaseChange")
                .should().dependOnClassesThat().resideInAnyPackage("io.javalin..", "org.jdbi..", "java.sql..",
                        "dev.magnet.runner..", "dev.magnet.agent..", "dev.magnet.sandbox..")
                .check(classes);
    }

    @Test
    void the_agent_git_and_sandbox_packages_do_not_reach_up_into_sessions_runner_or_web() {
        noClasses().that().resideInAnyPackage("dev.magnet.agent..", "dev.magnet.git..", "dev.magnet.sandbox..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.magnet.session..", "dev.magnet.runner..",
                        "dev.magnet.web..")
                .check(classes);
    }

    @Test
    void only_the_kubernetes_sandbox_knows_the_kubernetes_client() {
        noClasses().that().resideOutsideOfPackage("dev.magnet.sandbox.kubernetes..")
                .should().dependOnClassesThat().resideInAPackage("io.fabric8..")
                .check(classes);
    }

    @Test
    void the_pod_shim_uses_nothing_but_java_base_as_it_is_built_from_its_own_files() {
        noClasses().that().haveFullyQualifiedName("dev.magnet.sandbox.kubernetes.PodShim")
                .or().haveFullyQualifiedName("dev.magnet.sandbox.kubernetes.ShimProtocol")
                .should().dependOnClassesThat(resideOutsideOfPackage("java..")
                        .and(com.tngtech.archunit.base.DescribedPredicate.not(
                                com.tngtech.archunit.core.domain.JavaClass.Predicates.simpleNameStartingWith("PodShim")
                                        .or(com.tngtech.archunit.core.domain.JavaClass.Predicates.simpleNameStartingWith("ShimProtocol")))))
                .check(classes);
    }
}
